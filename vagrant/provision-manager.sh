#!/usr/bin/env bash
# The manager: `docker swarm init --advertise-addr <its private IP>` (once). mynet is NOT created: the chapter
# creates it. The workers' join token is read from here by a host-side trigger (see the Vagrantfile): no shared
# folder is needed. Idempotent. Env: ADVERTISE_ADDR. DOCKER (the docker command; tests point it elsewhere).
set -euo pipefail
: "${ADVERTISE_ADDR:?}"
DOCKER=${DOCKER:-docker}
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" != "active" ]; then
    $DOCKER swarm init --advertise-addr "$ADVERTISE_ADDR" >/dev/null
    echo "swarm initialised on $ADVERTISE_ADDR"
else
    echo "swarm already active: left as it is"
fi
