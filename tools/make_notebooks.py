"""Write the lab's notebooks (labs/*.ipynb) from this one description, so they stay thin and alike.

Each opens with a `parameters` cell (papermill style): MODE ("live" | "record" | "replay"; None = replay unless a
live swarm is configured), RECORDING, INVENTORY, RECORD_TO. Cells only call the library.
Run:  .venv/bin/python tools/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

LABS = Path(__file__).resolve().parent.parent / "labs"
PARAMETERS = ('MODE = None        # "live", "record" or "replay"; None: replay unless a live swarm is configured\n'
              "RECORDING = None   # a recording file; None: the bundled default\n"
              "INVENTORY = None   # an inventory file; None: the one `swarmlab nodes` finds\n"
              "RECORD_TO = None   # with MODE = \"record\": the file to write")
CONNECT = ("from swarmlab import checks, viz, widgets\n"
           "from swarmlab.lab import Lab\n\n"
           "lab = Lab.connect(MODE, recording=RECORDING, inventory=INVENTORY, record_to=RECORD_TO)\n"
           "widgets.replay_badge(lab)")

NOTEBOOKS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("00-setup-and-doctor", "# 00 · Setup and doctor\n\nThis lab follows the chapter *internal load balancing and "
     "the VIP* on a three-node Docker swarm. It runs **live** on your swarm (`swarmlab rig up`, `vagrant up`, or "
     "your own inventory), **records** a session, or **replays** a recorded one (the default when no swarm is "
     "configured, as on Binder).", [
         ("md", "Where does this lab get its data? A replay says where and when it was recorded."),
         ("code", "lab.mode, lab.source, lab.swarm_nodes"),
         ("code", "lab.transport.recording.provenance if lab.replaying else None"),
         ("md", "On a live swarm, the doctor checks every node: SSH, docker, the swarm roles, **IPVS in the kernel** "
                "(without it VIPs carry no traffic), ipvsadm and nsenter, the lab images, the swarm's ports."),
         ("code", "print(lab.doctor())"),
         ("code", "checks.services(lab)"),
     ]),
    ("01-overlay-network-and-services", "# 01 · An overlay network and two services\n\nThe chapter creates an "
     "overlay network `mynet`, a service `web` (two whoami replicas) and a `client` on the same network.", [
         ("code", "lab.networks()"),
         ("code", "lab.create_services() if not lab.replaying else lab.services()"),
         ("code", "lab.services(latest=True)"),
         ("code", "lab.tasks('web')"),
         ("md", "`docker service ps` shows each task and the node it runs on. The same steps, one button each:"),
         ("code", "widgets.step_buttons(lab, {\"docker network ls\": lab.networks,\n"
                  "                           \"docker service ls\": lab.services,\n"
                  "                           \"docker service ps web\": lab.tasks})"),
         ("code", "checks.services(lab)"),
     ]),
    ("02-the-vip", "# 02 · The VIP: DNS, ping, requests\n\nFrom the client, the name `web` resolves to **one** "
     "address that is no task's: the service's virtual IP. `tasks.web` resolves to the tasks themselves.", [
         ("code", "lab.nslookup('web')"),
         ("code", "lab.nslookup('tasks.web')"),
         ("code", "lab.ping('web')"),
         ("code", "lab.requests(3)"),
         ("md", "The answers alternate between the tasks, and every task sees the same `RemoteAddr`: not the "
                "client's address but the load balancer's endpoint on `mynet` (IPVS masquerades)."),
         ("code", "checks.vip(lab)"),
     ]),
    ("03-the-load-balancer-namespace", "# 03 · The load-balancer namespace\n\nThat endpoint belongs to a special "
     "network namespace, one per overlay network per node: `lb_` plus the first 9 characters of the network's "
     "**id** (while `docker network inspect` names the endpoint after the network's **name**: `lb-mynet`).", [
         ("code", "lab.inspect_network()"),
         ("code", "lab.namespaces()"),
         ("code", "lab.lb_namespace()"),
         ("code", "lab.addresses()"),
         ("md", "The VIPs are /32 addresses on the namespace's eth0, beside the endpoint's own address. Swarm's "
                "address manager hands addresses out serially, so on a young network address order is allocation "
                "order:"),
         ("code", "net = lab.inspect_network().value[0]\nviz.vip_allocation(viz.allocation_rows(net), net.subnet, "
                  "lab.label)"),
         ("code", "checks.lb_namespace(lab)"),
     ]),
    ("04-marks-and-ipvs", "# 04 · Marks and IPVS: the VIP chain\n\nInside the namespace, an iptables rule in the "
     "mangle table's INPUT chain **marks** packets to each VIP; IPVS has one virtual service per mark (`FWM`) and "
     "sends round robin to the tasks. Marks count up from 0x100 on each node and are never reused, so the same "
     "service may carry different marks on different nodes.", [
         ("code", "lab.marks()"),
         ("code", "lab.ipvs()"),
         ("code", "chain = lab.vip_chain('web')\nchain"),
         ("code", "viz.topology(chain, client=lab.client_node(), source=lab.label)"),
         ("code", "widgets.service_picker(lab)"),
         ("code", "checks.marks_and_ipvs(lab)"),
     ]),
    ("05-request-distribution", "# 05 · How requests are distributed\n\nMany requests from the client, sent in "
     "**one** remote command, each parsed: who answered, from which address.", [
         ("code", "sample = lab.sample_requests(100)\nsample.summary"),
         ("code", "viz.distribution(sample.summary, source=lab.label)"),
         ("md", "Round robin sends each **new** connection to the next real server, so the answers alternate. "
          "Not always: Docker sets IPVS `net.ipv4.vs.conn_reuse_mode=0` in the lb namespace, so a request whose "
          "client port IPVS still remembers from an earlier connection keeps that connection's real server and "
          "does not move the scheduler on. The split is near-even, not exact (a recorded 1,000 requests: "
          "496/504). How many answers repeated the backend just before:"),
         ("code", "sample.repeats"),
         ("md", "Move the slider and press **Send**."),
         ("code", "widgets.request_explorer(lab)"),
         ("code", "checks.distribution(lab)"),
     ]),
    ("06-scaling-and-failure", "# 06 · Scaling and failure\n\nWhen replicas come and go, every node's IPVS table "
     "follows: a new task becomes a real server behind the same mark; a dead task's is removed (first set to "
     "weight 0).", [
         ("code", "widgets.replicas_explorer(lab)"),
         ("code", "lab.tasks('web')"),
         ("code", "checks.scaling(lab)"),
     ]),
    ("07-dnsrr-versus-vip", "# 07 · dnsrr versus VIP\n\nWith `--endpoint-mode dnsrr` a service gets **no** VIP, "
     "no mark and no IPVS service: its name resolves to the task addresses themselves.", [
         ("code", "lab.create_dnsrr('webrr')"),
         ("code", "lab.nslookup('webrr')"),
         ("code", "lab.nslookup('tasks.webrr')"),
         ("code", "checks.dnsrr(lab)"),
     ]),
    ("08-ingress-routing-mesh", "# 08 · The ingress routing mesh\n\nA published port uses the same machinery in "
     "a namespace every node has: `ingress_sbox`. There the mangle table's **PREROUTING** chain marks packets by "
     "destination port, and IPVS spreads them over the service's tasks on any node.", [
         ("code", "lab.publish('webpub', 8080)"),
         ("code", "lab.namespaces()"),
         ("code", "lab.ingress_marks()"),
         ("code", "lab.ingress_ipvs()"),
         ("code", "checks.mesh(lab)"),
     ]),
]


def main() -> None:
    LABS.mkdir(exist_ok=True)
    for name, intro, cells in NOTEBOOKS:
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = new_code_cell(PARAMETERS)
        params.metadata["tags"] = ["parameters"]
        nb.cells = [new_markdown_cell(intro), params, new_code_cell(CONNECT)]
        for kind, text in cells:
            nb.cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes only what changed
            cell.id = f"{name[:2]}-{i:02d}"
        nbformat.write(nb, LABS / f"{name}.ipynb")
        print(f"labs/{name}.ipynb")


if __name__ == "__main__":
    main()
