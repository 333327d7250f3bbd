#!/usr/bin/env bash
# A worker: join the swarm with the token in TOKEN_FILE (put there by the Vagrantfile's file provisioner after a
# host-side trigger read it from the manager), then remove the file. Idempotent.
# Env: ADVERTISE_ADDR, MANAGER_ADDR, TOKEN_FILE. DOCKER (the docker command; tests point it elsewhere).
set -euo pipefail
: "${ADVERTISE_ADDR:?}" "${MANAGER_ADDR:?}" "${TOKEN_FILE:?}"
DOCKER=${DOCKER:-docker}
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" = "active" ]; then
    rm -f "$TOKEN_FILE"
    echo "already in the swarm: left as it is"
    exit 0
fi
token=$(tr -d '[:space:]' < "$TOKEN_FILE" 2>/dev/null || true)
rm -f "$TOKEN_FILE"
case "$token" in
    SWMTKN-*) ;;
    *) echo "no worker join token in $TOKEN_FILE: is swarm-manager up? (vagrant up swarm-manager, then" \
            "vagrant provision $(hostname))" >&2
       exit 1 ;;
esac
$DOCKER swarm join --advertise-addr "$ADVERTISE_ADDR" --token "$token" "${MANAGER_ADDR}:2377" >/dev/null
echo "joined the swarm at ${MANAGER_ADDR}:2377"
