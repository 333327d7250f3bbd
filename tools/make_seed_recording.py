"""Make swarmlab/recordings/seed-docker-tips.jsonl from the seed chapter (tests/fixtures/seed/internal_lb_vip.rst).

Every output is the chapter's own, verbatim; every command is as the chapter shows it (its prompt stripped). The
one output the chapter quotes without a prompt, an excerpt of `docker network inspect mynet`, is given that
command (the chapter's text names it) and flagged as an excerpt. Run:  .venv/bin/python tools/make_seed_recording.py
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from swarmlab import __version__
from swarmlab.parsers.transcript import rst_code_blocks, split_shell
from swarmlab.transport.recording import Writer
from swarmlab.transport.result import CommandResult

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "internal_lb_vip.rst"
OUT = ROOT / "swarmlab" / "recordings" / "seed-docker-tips.jsonl"
STEPS = {
    "docker network ls": "network_ls", "docker service ls": "service_ls", "docker service ps web": "service_ps",
    "docker service ps client": "service_ps", "docker container ls": "container_ls", "curl web": "requests",
    "ping web -c 2": "ping", "docker network inspect mynet": "network_inspect",
    "sudo ls /var/run/docker/netns/": "netns_ls", "ip a": "lb_ip_a", "iptables -nvL -t mangle": "lb_mangle",
    "ipvsadm": "lb_ipvs",
}


def main() -> int:
    provenance = {
        "title": "The seed chapter: docker.tips internal_lb (内部负载均衡和 VIP)",
        "source": "docker.tips internal_lb chapter",
        "origin": "github.com/xiaopeng163/docker.tips source/docker-swarm/internal_lb.rst (the course's seed)",
        "kind": "transcript: outputs verbatim from the chapter, commands as it shows them",
        "recorded_by": "the course author, on the course's Vagrant swarm; transcribed by swarmlab",
        "where": "Vagrant swarm swarm-manager, swarm-worker1, swarm-worker2 (user vagrant); every command below "
                 "was typed on swarm-manager, in the client container there, or in its lb_lpirdge00 namespace",
        "docker": "not stated (Docker 20.10 era, 2021)", "kernel": "not stated",
        "transcribed": datetime.now().date().isoformat(), "swarmlab": __version__,
        "manager": "swarm-manager", "swarm_nodes": ["swarm-manager", "swarm-worker1", "swarm-worker2"],
        "images": {"web": "containous/whoami", "client": "xiaopeng163/net-box:latest"},
        "notes": ["`docker network inspect mynet` is an excerpt (the chapter quotes only its Containers part)",
                  "the three `curl web` answers were typed one by one inside the client container",
                  "the chapter does not show which IPVS real server is which task"],
    }
    writer = Writer(OUT, provenance)
    for _, block in rst_code_blocks(SEED.read_text(encoding="utf-8")):
        for s in split_shell(block):
            command = s.command
            if command is None and s.output.lstrip().startswith('"Containers"'):
                command = "docker network inspect mynet"
            if command is None:
                continue
            result = CommandResult("swarm-manager", command, s.output.encode(), b"", 0)
            step = STEPS.get(command, "service_create" if command.startswith("docker service create") else None)
            writer.add(result, step, timed=False)  # the chapter shows no times: none are invented
    writer.close()
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
