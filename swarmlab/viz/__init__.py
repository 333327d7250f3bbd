"""Pictures of the lab (matplotlib): the request distribution, the VIP allocation on the subnet, the topology, the
sequence of one traced request (`sequence(lab.trace_request("web"))`).

Each function takes the lab's DataFrames and returns a matplotlib Figure; colours are Okabe-Ito (colour-blind
safe); every picture is labelled, in Chinese or English (`lang="zh"|"en"`, docs/pictures.md). Modelled parts are
never drawn as if observed. `topology_of(lab)` / `allocation_of(lab)` gather a picture's inputs from a Lab.
"""

from swarmlab.viz.allocation import allocation_rows, vip_allocation
from swarmlab.viz.distribution import distribution, repeats_at
from swarmlab.viz.from_lab import allocation_of, topology_inputs, topology_of
from swarmlab.viz.i18n import LANGS
from swarmlab.viz.topology import STEPS, topology
from swarmlab.viz.trace import sequence

__all__ = ["LANGS", "STEPS", "allocation_of", "allocation_rows", "distribution", "repeats_at", "sequence",
           "topology", "topology_inputs", "topology_of", "vip_allocation"]
