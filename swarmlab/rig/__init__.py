"""`swarmlab rig`: a real three-node swarm with working IPVS inside one disposable Debian VM under qemu.

build (image.py) -> up / down / status (vm.py) -> the swarm formed over SSH (swarm.py). See docs/rig.md.
"""

from swarmlab.errors import SwarmlabError


class RigError(SwarmlabError):
    """The rig cannot do what was asked; the message says why and what to do."""


NODES = (("swarm-manager", "10.99.0.10"), ("swarm-worker1", "10.99.0.11"), ("swarm-worker2", "10.99.0.12"))
RIG_NODE = "rig"  # the VM itself: the jump host the nodes are reached through

__all__ = ["NODES", "RIG_NODE", "RigError"]
