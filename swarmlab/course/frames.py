"""Tables as a Chinese lesson shows them: a DataFrame's column names are code (`sample.summary["share"]` keeps
working), but the table a zh student reads has Chinese headers and 是/否 for True/False.

`course.start(..., lang=LANG)` registers `html()` as IPython's HTML formatter for DataFrames (in English it only keeps
each cell whole). Only the display changes: the frame in the notebook's variables is the lab's own."""

from __future__ import annotations

from typing import Any

from swarmlab.i18n import N_, _

# the column names of the lab's frames that lessons show (the English header is the name itself)
HEADERS = [
    N_("seq"), N_("ok"), N_("hostname"), N_("ips"), N_("task_ip"), N_("remote_addr"), N_("remote_port"),
    N_("method"), N_("path"), N_("protocol"), N_("host"), N_("user_agent"), N_("count"), N_("share"),
    N_("node"), N_("service"), N_("vip"), N_("network"), N_("network_id"), N_("lb_namespace"),
    N_("lb_endpoint_ip"), N_("mark"), N_("mark_hex"), N_("mark_rule"), N_("ipvs_service"), N_("scheduler"),
    N_("real_server"), N_("forward"), N_("weight"), N_("task"), N_("task_node"), N_("container_id"),
    N_("name"), N_("id"), N_("image"), N_("desired_state"), N_("current_state"), N_("error"), N_("slot"),
    N_("history"), N_("state"), N_("status"), N_("ip"), N_("address"), N_("subnet"), N_("gateway"),
    N_("driver"), N_("scope"), N_("role"), N_("availability"), N_("command"), N_("exit_code"), N_("stdout"),
    N_("stderr"),
]
YES_NO = (N_("yes"), N_("no"))


def shown(frame: Any, lang: str) -> Any:
    """The frame as a student of `lang` reads it: known headers translated, True/False as 是/否 (zh); unchanged
    in English."""
    if lang == "en":
        return frame
    known = set(HEADERS)
    renamed = frame.rename(columns={c: _(c, lang) for c in frame.columns if isinstance(c, str) and c in known})
    yes, no = (_(w, lang) for w in YES_NO)

    def word(value: Any) -> Any:
        return (yes if value else no) if isinstance(value, bool) or type(value).__name__ == "bool_" else value

    for c in renamed.columns:
        if renamed[c].map(lambda v: isinstance(v, bool) or type(v).__name__ == "bool_").any():
            renamed[c] = renamed[c].astype(object).map(word)
    return renamed


def html(frame: Any, lang: str) -> str:
    """The frame's HTML as a lesson shows it: `shown(frame, lang)`, each cell whole (pandas would cut a cell at
    50 characters, mid-word)."""
    import pandas as pd

    with pd.option_context("display.max_colwidth", None):
        return str(shown(frame, lang).to_html(max_rows=pd.get_option("display.max_rows"),
                                              max_cols=pd.get_option("display.max_columns"), notebook=True))


def register(shell: Any, lang: str) -> None:
    """Show DataFrames in `shell` as a student of `lang` reads them (`html`)."""
    import pandas as pd

    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda frame: html(frame, lang))
