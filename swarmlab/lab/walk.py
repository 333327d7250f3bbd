"""The chapter, walked headless: each step's command, raw output and parsed table; then the VIP chain and the
request distribution. Used by `swarmlab demo` (bundled recording), `swarmlab replay FILE` and `swarmlab record`.
"""

from __future__ import annotations

from collections.abc import Callable

from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.lab.core import Lab

Out = Callable[[str], None]


def _section(out: Out, title: str) -> None:
    out(f"\n=== {title} " + "=" * max(0, 100 - len(title)))


def walk(lab: Lab, out: Out = print, requests: int = 100, full: bool = False) -> bool:
    """Run the chapter's steps on `lab`; with `full`, also scaling, a killed task (live/record only)."""
    out(f"swarmlab: {lab.mode} — {lab.source}")
    steps: list[tuple[str, Callable[[], object]]] = [
        ("1. the networks", lab.networks),
        ("2-4. the services web and client", lab.create_services if not lab.replaying else lab.services),
        ("3. web's tasks", lambda: lab.tasks("web")),
        ("5. the client container", lambda: lab.containers(lab.client_node(), "client")),
        ("6. calling web by name", lambda: lab.requests(3)),
        ("7. ping web: the VIP", lab.ping),
        ("8. who owns the lb endpoint: docker network inspect", lab.inspect_network),
        ("9. the namespaces", lab.namespaces),
        ("10. inside lb_<network id>: the VIPs as /32", lab.addresses),
        ("11. the marking rules", lab.marks),
        ("12. the IPVS table", lab.ipvs),
    ]
    ok = True
    for title, action in steps:
        _section(out, title)
        try:
            result = action()
        except NotRecorded as exc:
            out(f"(not in this recording: {exc})")
            continue
        except SwarmlabError as exc:
            out(f"FAILED: {exc}")
            ok = False
            continue
        for r in result if isinstance(result, list) else [result]:
            out(r.text())
    _section(out, "13. the VIP chain: service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes")
    try:
        chain = lab.vip_chain("web")
        out(chain.to_string(index=False))
    except SwarmlabError as exc:
        out(f"FAILED: {exc}")
        ok = False
    _section(out, f"request distribution ({requests} requests from the client)")
    try:
        sample = lab.sample_requests(requests)
        total = int(sample.summary["count"].sum()) if len(sample.summary) else 0
        out(f"{total} answered" + (f"; {'; '.join(sample.notes)}" if sample.notes else ""))
        out(sample.summary.to_string(index=False))
        out(f"largest deviation from an even share: {sample.largest_deviation:.1%}")
    except SwarmlabError as exc:
        out(f"FAILED: {exc}")
        ok = False
    if full and not lab.replaying:
        ok = _full(lab, out, requests) and ok
    return ok


def _full(lab: Lab, out: Out, requests: int) -> bool:
    """What a curious student does next: scale 2 -> 3 -> 5 -> 1 -> 2 with the IPVS table after each, a task
    killed and replaced, a dnsrr service beside the VIP one, a published port through the routing mesh."""
    from swarmlab.commands import chapter as c

    for n in (3, 5, 1, 2):
        _section(out, f"scale web to {n}")
        out(lab.scale("web", n).text())
        out(lab.tasks("web").text())
        for node in lab.swarm_nodes:
            out(lab.step("ipvs_all", node, c.ipvsadm_all_lb(), kind="ipvsadm_per_namespace").text())
    _section(out, "a task dies")
    out(lab.kill_task("web").text())
    out(lab.tasks("web").text())
    _section(out, "dnsrr beside the VIP")
    out(lab.step("service_create", lab.manager, c.service_create("webrr", lab.images["web"], lab.network, 2,
                                                                 endpoint_mode="dnsrr"), timeout=300).text())
    out(lab.nslookup("webrr").text())
    out(lab.nslookup("tasks.webrr").text())
    _section(out, "the ingress routing mesh: a published port")
    out(lab.step("service_create", lab.manager, c.service_create("webpub", lab.images["web"], None, 2,
                                                                 publish="8080:80"), timeout=300).text())
    out(lab.step("mesh", lab.manager, "ls /var/run/docker/netns").text())
    out(lab.step("mesh", lab.manager, c.nsenter("ingress_sbox", "iptables -nvL -t mangle"), kind="iptables").text())
    out(lab.step("mesh", lab.manager, c.nsenter("ingress_sbox", "ipvsadm -Ln")).text())
    return True
