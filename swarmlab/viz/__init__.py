"""Pictures of the lab (matplotlib): the request distribution, the VIP allocation on the subnet, the topology.

Each function takes the lab's DataFrames and returns a matplotlib Figure; colours are Okabe-Ito (colour-blind
safe); every picture is labelled. Modelled parts are never drawn as if observed.
"""

from swarmlab.viz.allocation import allocation_rows, vip_allocation
from swarmlab.viz.distribution import distribution
from swarmlab.viz.topology import topology

__all__ = ["allocation_rows", "distribution", "topology", "vip_allocation"]
