#!/usr/bin/env bash
# Every node: a pinned Docker CE, ipvsadm, bridge-utils, the IPVS modules; the lab's images pulled ahead.
# Idempotent. Env: DOCKER_VERSION (apt version string), LAB_IMAGES (space separated).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
: "${DOCKER_VERSION:?}" "${LAB_IMAGES:?}"

if ! dpkg-query -W -f='${Version}' docker-ce 2>/dev/null | grep -qxF "${DOCKER_VERSION}"; then
    apt-get update -qq
    apt-get install -y -qq ca-certificates curl gnupg
    install -m 0755 -d /etc/apt/keyrings
    if [ ! -f /etc/apt/keyrings/docker.gpg ]; then
        curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --dearmor -o /etc/apt/keyrings/docker.gpg
    fi
    codename=$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release)
    echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.gpg] \
https://download.docker.com/linux/ubuntu ${codename} stable" > /etc/apt/sources.list.d/docker.list
    apt-get update -qq
    apt-get install -y -qq --allow-downgrades "docker-ce=${DOCKER_VERSION}" "docker-ce-cli=${DOCKER_VERSION}" \
        containerd.io
    apt-mark hold docker-ce docker-ce-cli
fi
apt-get install -y -qq ipvsadm bridge-utils >/dev/null
for module in ip_vs ip_vs_rr xt_ipvs; do
    modprobe "$module"
    grep -qxF "$module" /etc/modules || echo "$module" >> /etc/modules
done
usermod -aG docker vagrant 2>/dev/null || true
for image in ${LAB_IMAGES}; do
    docker image inspect "$image" >/dev/null 2>&1 || docker pull -q "$image"
done
