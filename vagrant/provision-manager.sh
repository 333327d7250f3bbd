#!/usr/bin/env bash
# The manager: `docker swarm init --advertise-addr <its private IP>` (once), then the worker join token written
# to the synced folder for the workers. mynet is NOT created: the chapter creates it. Idempotent.
# Env: ADVERTISE_ADDR, SHARED (a folder the workers see). DOCKER (the docker command; tests point it elsewhere).
set -euo pipefail
: "${ADVERTISE_ADDR:?}" "${SHARED:?}"
DOCKER=${DOCKER:-docker}
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" != "active" ]; then
    $DOCKER swarm init --advertise-addr "$ADVERTISE_ADDR" >/dev/null
    echo "swarm initialised on $ADVERTISE_ADDR"
else
    echo "swarm already active: left as it is"
fi
mkdir -p "$SHARED"
umask 077
$DOCKER swarm join-token -q worker > "$SHARED/worker-token.tmp"
mv "$SHARED/worker-token.tmp" "$SHARED/worker-token"
echo "$ADVERTISE_ADDR:2377" > "$SHARED/manager-addr"
