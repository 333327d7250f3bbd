"""What a command's output says: `parse_output(command, text)`, one grammar per command line.

A command line one of the lab's steps recognises (`steps.recognise`, the step's own grammar) is read by that step's
parse and frame, with the arguments the grammar read (`-f '{{json .Endpoint.Ports}}'`: the published ports); only
a command no step covers (a transcript's `ping -c 3 127.0.0.1`, `df -T`, `docker network inspect -f ...`) goes to
the parsers' declarations (`swarmlab.parsers.dispatch`). The lab itself reads each result by its step
(`Step.reading`), never by this lookup.
"""

from __future__ import annotations

from swarmlab.commands.steps import recognise
from swarmlab.parsers import dispatch
from swarmlab.parsers.dispatch import Parsed

__all__ = ["Parsed", "parse_output"]


def parse_output(command: str, text: str) -> Parsed:
    """`text`, the output of `command`, read by the step that recognises the command (`Parsed.kind` is then the
    step's name; a step whose output is text only gives the value None), else by the parser that declares it (a
    ParseError when none does)."""
    got = recognise(command)
    if got is None:
        return dispatch.parse_output(command, text)
    step, args = got
    reader = step.reader(args)
    return Parsed(step.name, command, reader.parse(text), reader.frame)
