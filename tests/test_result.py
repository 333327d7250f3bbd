"""CommandResult and ResultSet without any node: decoding, checks, the DataFrame."""

from __future__ import annotations

import pytest

from swarmlab.errors import CommandFailed, NodeUnreachable, SudoPasswordRequired
from swarmlab.transport import CommandResult, ResultSet


def test_decoding_keeps_bad_bytes_visible() -> None:
    r = CommandResult("n", "c", b"ok \xff\n", b"\xc3\x28", 0)
    assert r.stdout == "ok \\xff\n" and r.stderr == "\\xc3("
    assert r.ok and str(r) == r.stdout


def test_check() -> None:
    assert CommandResult("n", "true", exit_code=0).check().ok
    with pytest.raises(CommandFailed, match="exited 2"):
        CommandResult("n", "false", b"", b"nope", 2).check()
    with pytest.raises(SudoPasswordRequired):
        CommandResult("n", "sudo -n id", b"", b"sudo: a password is required\n", 1).check()
    with pytest.raises(NodeUnreachable):
        CommandResult("n", "x", error=NodeUnreachable("down", node="n")).check()


def test_result_set_frame_and_lookup() -> None:
    rs = ResultSet([CommandResult("a", "x", b"1", b"", 0), CommandResult("b", "x", error=NodeUnreachable("down"))])
    assert rs["a"].stdout == "1" and rs[1].node == "b" and not rs.ok
    assert [r.node for r in rs.failures()] == ["b"]
    frame = rs.to_frame()
    assert frame.shape == (2, 9)
    assert frame["exit_code"].isna().tolist() == [False, True]
    assert frame.loc[1, "error"] == "NodeUnreachable: down"
