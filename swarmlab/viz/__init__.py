"""Pictures of the lab (matplotlib): the request distribution, the VIP allocation on the subnet, the topology.

Each function takes the lab's DataFrames and returns a matplotlib Figure; colours are Okabe-Ito (colour-blind
safe); every picture is labelled. Modelled parts are never drawn as if observed.
"""

from swarmlab.viz.allocation import allocation_rows, vip_allocation
from swarmlab.viz.distribution import distribution, repeats_at
from swarmlab.viz.i18n import LANGS
from swarmlab.viz.topology import STEPS, topology

__all__ = ["LANGS", "STEPS", "allocation_rows", "distribution", "repeats_at", "topology", "vip_allocation"]
