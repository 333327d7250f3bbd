#!/usr/bin/env bash
# A worker: join the swarm with the token in TOKEN_FILE (put there by the Vagrantfile's file provisioner after a
# host-side trigger read it from the manager), then remove the file. Idempotent, and it heals: TOKEN_FILE's second
# line is the current manager's node ID; a worker still in a swarm whose managers do not include it (the manager
# was rebuilt: `vagrant destroy swarm-manager && vagrant up`) leaves that swarm and joins the current one.
# Env: ADVERTISE_ADDR, MANAGER_ADDR, TOKEN_FILE. DOCKER (the docker command; tests point it elsewhere).
set -euo pipefail
: "${ADVERTISE_ADDR:?}" "${MANAGER_ADDR:?}" "${TOKEN_FILE:?}"
DOCKER=${DOCKER:-docker}
token=$(sed -n 1p "$TOKEN_FILE" 2>/dev/null | tr -d '[:space:]' || true)
manager_id=$(sed -n 2p "$TOKEN_FILE" 2>/dev/null | tr -d '[:space:]' || true)
rm -f "$TOKEN_FILE"
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" != "inactive" ]; then
    managers=$($DOCKER info --format '{{range .Swarm.RemoteManagers}}{{.NodeID}} {{end}}')
    if [ -z "$manager_id" ] || [[ " $managers " == *" $manager_id "* ]]; then
        echo "already in the swarm: left as it is"
        exit 0
    fi
    $DOCKER swarm leave --force >/dev/null
    echo "left a swarm whose managers (${managers% }) are not the current manager ($manager_id; state $state)"
fi
case "$token" in
    SWMTKN-*) ;;
    *) echo "no worker join token in $TOKEN_FILE: is swarm-manager up? (vagrant up swarm-manager, then" \
            "vagrant provision $(hostname))" >&2
       exit 1 ;;
esac
$DOCKER swarm join --advertise-addr "$ADVERTISE_ADDR" --token "$token" "${MANAGER_ADDR}:2377" >/dev/null
echo "joined the swarm at ${MANAGER_ADDR}:2377"
