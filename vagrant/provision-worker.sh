#!/usr/bin/env bash
# A worker: join the swarm with the token the manager wrote to the synced folder (waits for it). Idempotent.
# Env: ADVERTISE_ADDR, MANAGER_ADDR, SHARED. DOCKER (the docker command; tests point it elsewhere).
set -euo pipefail
: "${ADVERTISE_ADDR:?}" "${MANAGER_ADDR:?}" "${SHARED:?}"
DOCKER=${DOCKER:-docker}
WAIT=${WAIT:-300}
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" = "active" ]; then
    echo "already in the swarm: left as it is"
    exit 0
fi
waited=0
until [ -s "$SHARED/worker-token" ]; do
    if [ "$waited" -ge "$WAIT" ]; then
        echo "no worker token in $SHARED after ${WAIT}s: is swarm-manager up (vagrant up swarm-manager)?" >&2
        exit 1
    fi
    sleep 2
    waited=$((waited + 2))
done
$DOCKER swarm join --advertise-addr "$ADVERTISE_ADDR" --token "$(cat "$SHARED/worker-token")" \
    "${MANAGER_ADDR}:2377" >/dev/null
echo "joined the swarm at ${MANAGER_ADDR}:2377"
