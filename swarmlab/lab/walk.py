"""The chapter, walked headless: each step's command, raw output and parsed table; then the VIP chain and the
request distribution. Used by `swarmlab demo` (bundled recording), `swarmlab replay FILE` and `swarmlab record`.
"""

from __future__ import annotations

from collections.abc import Callable

from swarmlab.errors import NotRecorded, RecordingError, SwarmlabError
from swarmlab.lab.core import Lab
from swarmlab.lab.results import StepResult

Out = Callable[[str], None]


def _section(out: Out, title: str) -> None:
    out(f"\n=== {title} " + "=" * max(0, 100 - len(title)))


def _shown(out: Out, action: Callable[[], StepResult[object] | list[StepResult[object]]]) -> bool | None:
    """`action()`'s results shown: True; a reading the recording does not hold, said: None; a failure, said:
    False."""
    try:
        result = action()
    except NotRecorded as exc:
        out(f"(not in this recording: {exc})")
        return None
    except RecordingError:  # the recording cannot be written (a full disk): the session stops, not this step
        raise
    except SwarmlabError as exc:
        out(f"FAILED: {exc}")
        return False
    for r in result if isinstance(result, list) else [result]:
        out(r.text())
    return True


def walk(lab: Lab, out: Out = print, requests: int = 100, full: bool = False) -> bool:
    """Run the chapter's steps on `lab`; with `full`, also scaling, a killed task, dnsrr and a published port (a
    replay shows what its recording holds of them, and says what it does not)."""
    out(f"swarmlab: {lab.mode} — {lab.source}")
    steps: list[tuple[str, Callable[[], StepResult[object] | list[StepResult[object]]]]] = [
        ("1. the networks", lab.networks),
        ("2-4. the network and the services web and client", lab.create_services),
        ("3. web's tasks", lambda: lab.tasks("web")),
        ("5. the client container", lambda: lab.containers(lab.client_node(), "client")),
        ("6. calling web by name", lambda: lab.requests(3)),
        ("7. ping web: the VIP", lambda: [lab.ping(), lab.nslookup("web"), lab.nslookup("tasks.web")]),
        ("8. who owns the lb endpoint: docker network inspect", lab.inspect_network),
        ("9. the namespaces", lab.namespaces),
        ("10. inside lb_<network id>: the VIPs as /32", lab.addresses),
        ("11. the marking rules", lab.marks),
        ("12. the IPVS table", lab.ipvs),
    ]
    ok = True
    for title, action in steps:
        _section(out, title)
        ok = _shown(out, action) is not False and ok
    _section(out, "13. the VIP chain: service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes")
    try:
        chain = lab.vip_chain("web")
        out(chain.to_string(index=False))
    except SwarmlabError as exc:
        out(f"FAILED: {exc}")
        ok = False
    _section(out, f"request distribution ({requests} requests from the client)")
    try:
        every = max(1, requests // 10)

        def report(done: int, total: int) -> None:  # a line per tenth, as the answers stream in
            if done == total or (done and done % every == 0):
                out(f"  {done}/{total} requests")

        sample = lab.sample_requests(requests, progress=report)
        total = int(sample.summary["count"].sum()) if len(sample.summary) else 0
        out(f"{total} answered" + (f"; {'; '.join(sample.notes)}" if sample.notes else ""))
        out(sample.summary.to_string(index=False))
        out(f"largest deviation from an even share: {sample.largest_deviation:.1%}; answers that repeated the "
            f"previous backend: {sample.repeats} (a reused client port keeps its real server: conn_reuse_mode=0)")
    except SwarmlabError as exc:
        out(f"FAILED: {exc}")
        ok = False
    if full:
        ok = _full(lab, out, requests) and ok
    return ok


def _full(lab: Lab, out: Out, requests: int) -> bool:
    """What a curious student does next: scale 2 -> 3 -> 5 -> 1 -> 2 with the IPVS table after each, a task
    killed and replaced, a dnsrr service beside the VIP one, a published port through the routing mesh.
    Each part records what happened, failures included (a namespace torn down while we look at it is real)."""

    ok = True

    Read = Callable[[], StepResult[object]]

    def part(title: str, *reads: Read) -> None:
        """Each read in turn, shown as it comes; the first that fails ends the part (what follows needs it)."""
        nonlocal ok
        _section(out, title)
        for read in reads:
            shown = _shown(out, read)
            if not shown:
                ok = shown is None and ok
                return

    def ipvs_on(node: str) -> Read:
        return lambda: lab.run("ipvs_all", node)

    def scale(n: int) -> Read:
        return lambda: lab.run("scale", name="web", replicas=n)  # the walk goes past the lessons (5): its own tour

    for n in (3, 5, 1, 2):
        part(f"scale web to {n}", scale(n), lambda: lab.tasks("web"), *[ipvs_on(node) for node in lab.swarm_nodes])
    part("a task dies", lambda: lab.kill_task("web"), lambda: lab.tasks("web"))
    part("dnsrr beside the VIP", lambda: lab.create_dnsrr("webrr"), lambda: lab.nslookup("webrr"),
         lambda: lab.nslookup("tasks.webrr"))
    part("the ingress routing mesh: a published port", lambda: lab.publish("webpub", 8080), lab.namespaces,
         lab.ingress_marks, lab.ingress_ipvs)
    return ok
