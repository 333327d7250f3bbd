"""The lab: the chapter's steps, the VIP chain, request sampling; live, recording, or replaying."""

from swarmlab.lab.core import MODES, Lab
from swarmlab.lab.results import Sample, StepResult

__all__ = ["MODES", "Lab", "Sample", "StepResult"]
