"""The same fact from the docker CLI and from the Docker Engine API, side by side: the CLI is a client of the API.

    from swarmlab.viz.cli_api import side_by_side
    side_by_side(lab)            # web's VIP, its tasks' nodes and IPs, LocalLBIndex = iptables MARK = IPVS FWM
    side_by_side(lab, facts=("vip",), lang="zh")     # only the VIP rows, labelled in Chinese

Live (or on a recording that holds API answers) every row is read both ways now; a recording without API answers
says so in one row instead of failing the cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmlab.i18n import N_, _, check_lang, matched

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.lab import Lab

COLUMNS = [N_("fact"), N_("node"), N_("CLI command"), N_("CLI reading"), N_("API request"), N_("API reading"),
           N_("agree")]
# the cross-check's field names and sources (swarmlab/model/crosscheck.py): a {name} stands for one word
FIELDS = (
    N_("vip of {service} on {network}"), N_("vip of {service} (network -v)"), N_("node of task {task}"),
    N_("ip of task {task} on {network}"), N_("mark of {service} ({tool})"), N_("lb endpoint in the lb namespace"),
    N_("lb endpoint"),
)
SOURCES = (
    N_("iptables -t mangle (lb_ namespace): MARK set for the VIP"),
    N_("ipvsadm -Ln (lb_ namespace): the FWM whose real servers are the tasks"),
    N_("ip addr (lb_ namespace)"), N_("docker network inspect -v {network} (every node)"),
    N_("LocalLBIndex in GET /networks/{network}?verbose=true"),
)
NO_API = N_("this recording holds no Docker Engine API answers: run live, or replay a recording made with them")


def side_by_side(lab: Lab, service: str = "web", lang: str = "en", nodes: list[str] | None = None,
                 facts: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per fact: what the CLI printed, what the API answered, and whether they agree. `nodes`: only the
    rows of these nodes (default: every node); `facts`: only the facts whose name contains one of these words
    (`("vip",)` for lesson 02, `("mark",)` for lesson 04; default: all)."""
    import pandas as pd

    cols = [_(c, check_lang(lang)) for c in COLUMNS]
    if not lab.api_ready:
        return pd.DataFrame([[_(NO_API, lang), "", "", "", "", "", None]], columns=cols)
    checks = lab.cross_check(service)
    rows = [[_field(c.field, lang), c.node, _said(c.cli_source, lang), c.cli, _said(c.api_source, lang), c.api,
             c.agree] for c in checks
            if (nodes is None or c.node in nodes) and (not facts or any(f in c.field for f in facts))]
    return pd.DataFrame(rows, columns=cols)


def _field(name: str, lang: str) -> str:
    """A cross-check field in `lang` (the English name when no template fits)."""
    return matched(name, FIELDS, lang)


def _said(source: str, lang: str) -> str:
    """Where a reading comes from (the command or request and what in it), in `lang`."""
    return matched(source, SOURCES, lang)
