#!/usr/bin/env bash
# Every node: Debian's docker.io at a pinned version, ipvsadm,
# bridge-utils, busybox-static, tcpdump and conntrack (lesson 10 follows one request with them), the IPVS
# modules, and the lab's two images made here from busybox with `docker import` (as the rig does: nothing is
# pulled, Docker Hub is never needed).
# A classroom cache (CACHE, made by `swarmlab classroom cache`: signed repositories, CACHE/apt.list) is used before
# any download.
# Idempotent. Env: DOCKER_VERSION (docker.io's apt version; a trailing * is apt's prefix match, for the binNMU
# suffix that differs per architecture),
# GUEST_FILES (a folder with whoami-server and index.cgi), CACHE (optional).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
: "${DOCKER_VERSION:?}" "${GUEST_FILES:?}"
DOCKER_PACKAGE=docker.io
CACHE=${CACHE:-}
WEB_IMAGE=swarmlab/whoami:1      # swarmlab/commands/chapter.py LAB_IMAGES
CLIENT_IMAGE=swarmlab/client:1

# A file uploaded by the file provisioner, installed without CR bytes: a Windows checkout without .gitattributes
# gives CRLF, and `#!/bin/sh\r` does not run (Vagrant strips CR from shell provisioner scripts, not from files).
lf_install() { tr -d '\r' < "$1" > "$2" && chmod 0755 "$2"; }  # SRC DEST

installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | sed -n 's/^[a-z]* ok installed //p'; }

use_cache() {  # the cache's signed repositories (apt verifies them with this machine's keyring); 1 if no cache
    [ -n "$CACHE" ] && [ -f "$CACHE/apt.list" ] || return 1
    # only lines signed by a keyring this machine already has: a tampered cache cannot say [trusted=yes]
    local line keyring
    sed "s|@CACHE@|$CACHE|g" "$CACHE/apt.list" |
        grep -E '^deb \[signed-by=/(usr/share|etc/apt)/keyrings/[A-Za-z0-9._-]+\.gpg\] file:/[^ ]+( [A-Za-z0-9._/-]+)+$' |
        while read -r line; do
            keyring=${line#*signed-by=}
            if [ -f "${keyring%%]*}" ]; then echo "$line"; fi
        done > /etc/apt/sources.list.d/00-swarmlab-cache.list
    [ -s /etc/apt/sources.list.d/00-swarmlab-cache.list ] || return 1
    # the cache holds the binary indexes only: Debian's InRelease also lists i18n/Translation-*, which apt fetches
    # (and fails on, from a file: source) unless told not to (found by the real bring-up)
    if ! apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/00-swarmlab-cache.list \
            -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 -o Acquire::Languages=none; then
        echo "the classroom cache could not be read by apt: downloading instead" >&2
        rm -f /etc/apt/sources.list.d/00-swarmlab-cache.list  # or the next apt-get update fails on it too
        return 1
    fi
}

install_packages() {  # apt-get install "$@": from the cache alone if it holds them all, else after apt-get update
    local out
    if use_cache; then
        # the cache as the only source (not --no-download: apt counts copying from a file: source as a download)
        if out=$(apt-get install -y -qq -o Dir::Etc::sourceparts=- \
                -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/00-swarmlab-cache.list "$@" 2>&1); then
            echo "installed from the classroom cache: $*"
            return 0
        fi
        echo "the classroom cache could not serve $*: $(echo "$out" | tail -n 3)" >&2
    fi
    apt-get update -qq
    apt-get install -y -qq --allow-downgrades "$@" >/dev/null
}

wanted=()
# shellcheck disable=SC2053  # DOCKER_VERSION unquoted on purpose: a trailing * matches as apt matches it
if [[ "$(installed "$DOCKER_PACKAGE")" != $DOCKER_VERSION ]]; then
    wanted+=("docker.io=${DOCKER_VERSION}")
fi
for p in ipvsadm bridge-utils busybox-static tcpdump conntrack; do
    [ -n "$(installed "$p")" ] || wanted+=("$p")
done
# A kernel with AppArmor on and no apparmor_parser: Docker starts no container at all (found by the real
# bring-up). docker.io only recommends apparmor, and a box's apt may skip recommends.
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -z "$(installed apparmor)" ]; then
    wanted+=(apparmor)
fi
if [ "${#wanted[@]}" -gt 0 ]; then
    install_packages "${wanted[@]}"
    apt-mark hold "$DOCKER_PACKAGE" >/dev/null
    echo "installed: ${wanted[*]}"
else
    echo "$DOCKER_PACKAGE $DOCKER_VERSION, ipvsadm, bridge-utils, busybox-static, tcpdump, conntrack: already installed"
fi
rm -f /etc/apt/sources.list.d/00-swarmlab-cache.list
[ -z "$CACHE" ] || rm -rf "$CACHE"  # uploaded again by each provisioning run

for module in ip_vs ip_vs_rr xt_ipvs; do
    modprobe "$module"
    grep -qxF "$module" /etc/modules || echo "$module" >> /etc/modules
done
usermod -aG docker vagrant 2>/dev/null || true
# ipvsadm and nsenter live in /usr/sbin: on the PATH of every user, as Ubuntu has it (Debian's sshd gives users
# none of the sbin folders; pam_env reads /etc/environment)
if ! grep -q '^PATH=.*/usr/sbin' /etc/environment 2>/dev/null; then
    sed -i '/^PATH=/d' /etc/environment 2>/dev/null || true
    echo 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' >> /etc/environment
fi
if [[ " ${wanted[*]} " == *" apparmor "* ]]; then
    systemctl restart docker  # dockerd loads its docker-default profile when it starts
fi
systemctl is-active -q docker || systemctl start docker

# The lab's images, made from busybox-static like the rig's (swarmlab/rig/guest/node-init): a whoami look-alike
# and a client with busybox wget, ping and nslookup.
if ! docker image inspect "$WEB_IMAGE" "$CLIENT_IMAGE" >/dev/null 2>&1; then
    img=$(mktemp -d)
    trap 'rm -rf "$img"' EXIT
    mkdir -p "$img"/{bin,etc,tmp,root,www/cgi-bin,proc,sys,dev}
    chmod 1777 "$img/tmp"
    cp /bin/busybox "$img/bin/busybox"
    # one process for every applet's link (a fork per link costs minutes under software emulation); the links
    # point where this busybox really lives (/usr/bin/busybox on a merged-/usr system): put it there too
    /bin/busybox --install -s "$img/bin"
    target=$(readlink "$img/bin/sh")
    if [ ! -e "$img$target" ]; then
        mkdir -p "$img$(dirname "$target")"
        cp /bin/busybox "$img$target"
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$img/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$img/etc/group"
    lf_install "$GUEST_FILES/whoami-server" "$img/bin/whoami-server"
    lf_install "$GUEST_FILES/index.cgi" "$img/www/cgi-bin/index.cgi"
    tar -C "$img" -c . | docker import --change 'CMD ["/bin/whoami-server"]' --change 'EXPOSE 80' - \
        "$WEB_IMAGE" >/dev/null
    tar -C "$img" -c . | docker import \
        --change 'CMD ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]' - \
        "$CLIENT_IMAGE" >/dev/null
    echo "made the lab images: $WEB_IMAGE $CLIENT_IMAGE"
else
    echo "the lab images are there: $WEB_IMAGE $CLIENT_IMAGE"
fi
