"""The same fact from the docker CLI and from the Docker Engine API, side by side: the CLI is a client of the API.

    from swarmlab.viz.cli_api import side_by_side
    side_by_side(lab)            # web's VIP, its tasks' nodes and IPs, LocalLBIndex = iptables MARK = IPVS FWM
    side_by_side(lab, facts=("vip",), lang="zh")     # only the VIP rows, labelled in Chinese

Live (or on a recording that holds API answers) every row is read both ways now; a recording without API answers
says so in one row instead of failing the cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.lab import Lab

COLUMNS = {"en": ["fact", "node", "CLI command", "CLI reading", "API request", "API reading", "agree"],
           "zh": ["事实", "节点", "CLI 命令", "CLI 读数", "API 请求", "API 读数", "一致"]}
# the cross-check's field names, in the zh table (the patterns of swarmlab/model/crosscheck.py)
FIELDS_ZH = (
    (r"^vip of (\S+) on (\S+)$", r"\1 在 \2 上的 VIP"),
    (r"^vip of (\S+) \(network -v\)$", r"\1 的 VIP（network -v）"),
    (r"^node of task (\S+)$", r"任务 \1 所在的节点"),
    (r"^ip of task (\S+) on (\S+)$", r"任务 \1 在 \2 上的 IP"),
    (r"^mark of (\S+) \((\w+)\)$", r"\1 的标记（\2）"),
    (r"^lb endpoint in the lb namespace$", "lb_ 命名空间里的负载均衡端点"),
    (r"^lb endpoint$", "负载均衡端点"),
)
NO_API = {"en": "this recording holds no Docker Engine API answers: run live, or replay a recording made with them",
          "zh": "这份录制不含 Docker Engine API 的回答：请在真实集群上运行，或回放含 API 回答的录制"}


def side_by_side(lab: Lab, service: str = "web", lang: str = "en", nodes: list[str] | None = None,
                 facts: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per fact: what the CLI printed, what the API answered, and whether they agree. `nodes`: only the
    rows of these nodes (default: every node); `facts`: only the facts whose name contains one of these words
    (`("vip",)` for lesson 02, `("mark",)` for lesson 04; default: all)."""
    import pandas as pd

    cols = COLUMNS.get(lang, COLUMNS["en"])
    if not lab.api_ready:
        note = NO_API.get(lang, NO_API["en"])
        return pd.DataFrame([[note, "", "", "", "", "", None]], columns=cols)
    checks = lab.cross_check(service)
    rows = [[_field(c.field, lang), c.node, c.cli_source, c.cli, c.api_source, c.api, c.agree] for c in checks
            if (nodes is None or c.node in nodes) and (not facts or any(f in c.field for f in facts))]
    return pd.DataFrame(rows, columns=cols)


def _field(name: str, lang: str) -> str:
    """A cross-check field in `lang` (the English name when no pattern fits)."""
    import re

    if lang == "zh":
        for pattern, replacement in FIELDS_ZH:
            if re.match(pattern, name):
                return re.sub(pattern, replacement, name)
    return name
