"""`swarmlab` command line."""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from swarmlab import __version__
from swarmlab.errors import RecordingError, SwarmlabError

MAX_REQUESTS = 1000  # as the magic's -n: enough for any distribution the course draws
MAX_TEXT = 200  # a recording's title, its author


# what a terminal would act on rather than show (ANSI/OSC escapes start with ESC or a C1 control; \r overwrites a
# line): a recording's output or a node's message is shown, never obeyed
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _inert(text: str) -> str:
    """`text` with every control character but newline and tab shown escaped (`\x1b`)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _say(text: str) -> None:
    print(_inert(text))


class _Parser(argparse.ArgumentParser):
    """argparse that says a bad argument in one line (what, and where to read more), exit 2: no usage block."""

    def error(self, message: str) -> NoReturn:
        # a typed value stays on the one line: control characters shown escaped
        message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _bounded(lo: int, hi: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number: give {what} from {lo} to "
                                             f"{hi}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {what} from {lo} to {hi}")
        return value

    return parse


_requests = _bounded(1, MAX_REQUESTS, "a number of requests")
_port = _bounded(1, 65535, "a TCP port")


def _text(text: str) -> str:
    """A recording's title or author: printable text (it is stored and shown), at most MAX_TEXT characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("not valid UTF-8 text: give printable text") from None
    if not text.strip() or not text.isprintable() or len(text) > MAX_TEXT:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: give printable text on one line, 1 to {MAX_TEXT} "
                                         "characters")
    return text


def _recording(name: str | None, default: Callable[[], Path]) -> Path:
    """A bundled recording by name or a recording file, checked before anything opens it."""
    from swarmlab import paths, recordings

    if name is None:
        return default()
    fix = "give a file written by `swarmlab record`, or a bundled recording's name (`swarmlab demo --recording " \
          "rig-session`)"
    if not name.strip():
        raise RecordingError(f"no recording named (an empty name): {fix}")
    try:
        path = recordings.get(name)
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long
        raise RecordingError(f"no recording {paths.shown(name)} ({getattr(exc, 'strerror', None) or exc}): {fix}"
                             ) from None
    return paths.input_file(path, "a swarmlab recording", fix, RecordingError)


def _nodes(args: argparse.Namespace) -> int:
    from swarmlab import inventory

    if args.inventory is not None:
        inv = inventory.load(args.inventory)
    elif args.vagrant is not None:
        inv = inventory.from_vagrant(args.vagrant or None)
    else:
        found = inventory.discover()
        if found is None:
            print("no live swarm configured: no $SWARMLAB_INVENTORY, no ./swarmlab-inventory.toml, no rig running, "
                  "no Vagrantfile here.\nThe lab replays its bundled recording instead (`swarmlab demo`).")
            return 0
        inv = found
    print(f"# {len(inv)} node(s) from {inv.source}")
    print(inv.table())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from swarmlab import recordings
    from swarmlab.lab import Lab
    from swarmlab.lab.walk import walk

    path = _recording(args.recording, recordings.default)
    with Lab.connect(mode="replay", recording=path) as lab:
        return 0 if walk(lab, out=_say, requests=args.requests, full=args.full) else 1


def _replay(args: argparse.Namespace) -> int:
    from swarmlab import paths
    from swarmlab.lab import Lab
    from swarmlab.lab.walk import walk

    fix = "give a file written by `swarmlab record` (the bundled ones: `swarmlab demo --recording NAME`)"
    path = paths.input_file(args.file, "a swarmlab recording", fix, RecordingError)
    with Lab.connect(mode="replay", recording=path) as lab:
        return 0 if walk(lab, out=_say, requests=args.requests, full=args.full) else 1


def _record(args: argparse.Namespace) -> int:
    """Record to a temporary file beside `-o`, renamed to it only once the walk has run (`RecordingTransport`): an
    existing recording is never replaced unless `--force`, and never by a session that could not reach the
    swarm."""
    from swarmlab import paths
    from swarmlab.lab import Lab
    from swarmlab.lab.walk import walk
    from swarmlab.transport.record import RecordingTransport
    from swarmlab.transport.recording import writable

    try:
        output = writable(Path(args.output), replace=args.force)  # before connecting, said as typed (--force)
    except ValueError as exc:  # a NUL byte in the name
        if isinstance(exc, SwarmlabError):
            raise
        raise RecordingError(f"cannot write -o {paths.shown(args.output)} ({exc}): give a file name") from None
    provenance = {"title": args.title, "recorded_by": args.recorded_by}
    lab = Lab.connect(mode="record", record_to=output, inventory=args.inventory, provenance=provenance,
                      replace=args.force)
    with lab:
        if isinstance(lab.transport, RecordingTransport):
            down = lab.transport.unreachable(lab.swarm_nodes)
            if down:
                lab.transport.discard()
                kept = f"{output} is as it was" if output.exists() else "nothing was written"
                raise SwarmlabError(f"cannot record: the swarm is not reachable ({kept}): {down[0].error}")
        ok = walk(lab, out=_say, requests=args.requests, full=args.full)
    print(f"\nrecorded to {output}")
    return 0 if ok else 1


def _reset(args: argparse.Namespace) -> int:
    from swarmlab.lab import Lab

    with Lab.connect(mode="live", inventory=args.inventory) as lab:
        removed = lab.reset()
    print(f"removed {len(removed)} object(s) the lab created (label swarmlab.lab=1)")
    return 0


def _trace(args: argparse.Namespace) -> int:
    import pandas as pd

    from swarmlab import recordings
    from swarmlab.lab import Lab

    live = args.live or args.inventory is not None
    recording = None if live else _recording(args.recording, lambda: recordings.get(recordings.TRACE))
    with Lab.connect(mode="live" if live else "replay", recording=recording, inventory=args.inventory) as lab:
        if not live and args.service == "webrr":
            lab.trace_request("web")  # the bundled trace recorded web first: a replay walks it in order
        trace = lab.trace_request(args.service, port=args.port)
    with pd.option_context("display.width", 250, "display.max_colwidth", 120, "display.max_columns", 20):
        _say(f"# one request from the client ({trace.client_ip} on {trace.client_node}) to {trace.service} "
              f"({'VIP ' + str(trace.vip) if trace.mode == 'vip' else 'dnsrr: no VIP'}), {lab.label}")
        _say(trace.frame(args.lang).to_string(index=False))
    print()
    for check in trace.checks:
        _say(f"{'ok ' if check.ok else 'NO '} {check.said(args.lang)}: {check.told(args.lang)}")
    return 0 if trace.ok else 1


def _forget_host(args: argparse.Namespace) -> int:
    from swarmlab import paths
    from swarmlab.transport.hostkeys import forget

    path = paths.known_hosts_file()
    address = args.address if args.port in (None, 22) else f"[{args.address}]:{args.port}"
    gone = forget(path, address)
    print(f"forgot {gone} key(s) of {address} in {path}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from swarmlab import doctor, inventory
    from swarmlab.transport import SSHTransport

    inv = inventory.load(args.inventory) if args.inventory is not None else inventory.discover()
    if inv is None:
        raise SwarmlabError("no live swarm configured (no inventory, no rig running, no Vagrantfile here): start one "
                            "with `swarmlab rig up` or `vagrant up`, or give `-i inventory.toml`")
    print(f"# checking {len(inv)} node(s) from {inv.source}")
    with SSHTransport(inv, known_hosts=inv.extra.get("known_hosts")) as t:
        checks = doctor.run(t, inv)
    _say(doctor.report(checks))
    return 0 if all(c.ok for c in checks) else 1


def _rig(args: argparse.Namespace) -> int:
    import json
    import os

    from swarmlab.rig import image, vm

    def progress(msg: str) -> None:
        print(msg, flush=True)

    if args.rig_command == "build":
        img = image.build(progress, force=args.force, debian=args.debian)
        print(json.dumps(img.info, indent=2))
    elif args.rig_command == "up":
        inv = vm.up(progress, swarm=not args.no_swarm, ipvs=not args.no_ipvs, debian=args.debian)
        print(inv.table())
    elif args.rig_command == "down":
        vm.down(progress)
    elif args.rig_command == "status":
        print(json.dumps(vm.status(), indent=2))
    elif args.rig_command == "ssh":
        argv = vm.ssh_argv(args.node, args.command)
        os.execvp(argv[0], argv)
    return 0


def _classroom(args: argparse.Namespace) -> int:
    from swarmlab import classroom

    if not args.folder.strip():
        raise SwarmlabError("classroom cache '': give the folder to fill (e.g. ~/swarmlab-cache)")
    info = classroom.cache(Path(args.folder), target=args.target, arch=args.arch, docker_version=args.docker_version,
                           mirror=args.mirror, progress=lambda m: print(m, flush=True))
    print(f"{len(info['packages'])} packages, {info['bytes'] / 1e6:.1f} MB in {args.folder}, every one verified "
          "against the distribution's signed index "
          f"({info['downloaded_bytes'] / 1e6:.1f} MB downloaded, {info['seconds']} s). "
          f"Use it: SWARMLAB_CACHE={Path(args.folder).resolve()} vagrant up")
    return 0


def _class(args: argparse.Namespace) -> int:
    import json

    from swarmlab.classhub import classfile, server

    cf = classfile.load(args.file, check_swarms=args.class_command == "start")  # stop: even when a swarm is gone
    if args.class_command == "kube":
        from swarmlab.classhub import kube

        info = kube.generate(cf, Path(args.output))
        print(f"{', '.join(info['files'])} in {info['folder']}: the profile, the NetworkPolicy, the RuntimeClass and "
              f"{info['students']} students' pods (KubeSpawner's) valid for Kubernetes {info['kubernetes']} "
              f"(schema {info['schema']}). Offline only: see docs/class.md before a cluster.")
        return 0
    if args.class_command == "start":
        server.start(cf, progress=lambda m: print(m, flush=True))
    elif args.class_command == "stop":
        server.stop(cf, progress=lambda m: print(m, flush=True))
    else:
        print(json.dumps(server.status(cf), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="swarmlab", description=(
        "A hands-on lab: how Docker Swarm load-balances an overlay network through a virtual IP."))
    parser.add_argument("--version", action="version", version=f"swarmlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="walk the chapter headless on the bundled recording (no swarm needed)")
    p.add_argument("--recording", help="a bundled recording's name (default: the rig session, else the seed)")
    p.add_argument("-n", "--requests", type=_requests, default=100,
                   help=f"requests for the distribution, 1 to {MAX_REQUESTS} (default 100)")
    p.add_argument("--full", action="store_true",
                   help="also what a `record --full` session did (scaling, a killed task, dnsrr, a published port), "
                        "as far as the recording holds it")
    p.set_defaults(func=_demo)

    p = sub.add_parser("replay", help="walk the chapter on a recording file")
    p.add_argument("file")
    p.add_argument("-n", "--requests", type=_requests, default=100)
    p.add_argument("--full", action="store_true",
                   help="also what a `record --full` session did (scaling, a killed task, dnsrr, a published port), "
                        "as far as the recording holds it")
    p.set_defaults(func=_replay)

    p = sub.add_parser("record", help="walk the chapter live while recording every command to FILE")
    p.add_argument("-o", "--output", required=True, help="the recording to write (.jsonl)")
    p.add_argument("-i", "--inventory", help="an inventory file (default: the one `swarmlab nodes` finds)")
    p.add_argument("-n", "--requests", type=_requests, default=100)
    p.add_argument("--full", action="store_true",
                   help="also scale 2->3->5->1->2, kill a task, a dnsrr service and a published port")
    p.add_argument("--title", type=_text, default="A swarmlab session")
    p.add_argument("--recorded-by", type=_text, default="swarmlab record")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists (only once the session is done)")
    p.set_defaults(func=_record)

    p = sub.add_parser("reset", help="remove what the lab created on the live swarm (labelled swarmlab.lab=1)")
    p.add_argument("-i", "--inventory")
    p.set_defaults(func=_reset)

    p = sub.add_parser("nodes", help="print the swarm's nodes (inventory file, rig, or `vagrant ssh-config`)",
                       description="Inventory file format: see swarmlab/inventory.py ([[nodes]] name, host, port, "
                                   "user, key_file, jump, role).")
    p.add_argument("-i", "--inventory", help="an inventory file (.toml, .yaml)")
    p.add_argument("--vagrant", nargs="?", const="", metavar="DIR",
                   help="ask `vagrant ssh-config` in DIR (default: here)")
    p.set_defaults(func=_nodes)

    p = sub.add_parser("doctor", help="check a live swarm is ready for the lab; says how to fix what is not")
    p.add_argument("-i", "--inventory", help="an inventory file (default: the one `swarmlab nodes` finds)")
    p.set_defaults(func=_doctor)

    rig = sub.add_parser("rig", help="a real 3-node swarm with IPVS in a disposable Debian VM (qemu; needs root)",
                         description="build: make the VM image from Debian packages (cached); up: boot it and form "
                                     "the swarm; down: stop it and remove its state; status; ssh NODE [CMD...]")
    rig_sub = rig.add_subparsers(dest="rig_command", required=True)
    p = rig_sub.add_parser("build", help="build the VM image (debootstrap; ~90 s; cached by recipe)")
    p.add_argument("--force", action="store_true", help="rebuild even when the cached image matches the recipe")
    debian_help = ("the Debian release: 12 (docker.io 20.10, kernel 6.1) or 13 (docker.io 26.1, kernel 6.12); "
                   "default $SWARMLAB_RIG_DEBIAN, else the rig home's last, else 12")
    p.add_argument("--debian", choices=("12", "13"), help=debian_help)
    p = rig_sub.add_parser("up", help="boot the rig and form the swarm; writes the inventory")
    p.add_argument("--debian", choices=("12", "13"), help=debian_help)
    p.add_argument("--no-swarm", action="store_true", help="start the nodes' dockerd but do not form the swarm")
    p.add_argument("--no-ipvs", action="store_true",
                   help="remove IPVS from the VM's kernel first: VIPs then carry no traffic (the failure to learn)")
    rig_sub.add_parser("down", help="stop the rig and remove its overlay, pidfile, logs and inventory")
    rig_sub.add_parser("status", help="is a rig running; where; how long it took to come up")
    p = rig_sub.add_parser("ssh", help="an OpenSSH session on a rig node (rig, swarm-manager, swarm-worker1...)")
    p.add_argument("node")
    p.add_argument("command", nargs=argparse.REMAINDER)
    rig.set_defaults(func=_rig)

    p = sub.add_parser("trace", help="follow ONE request from the client to a service packet by packet (tcpdump at "
                       "every hop; the bundled trace recording unless --live)")
    p.add_argument("--service", default="web", help="the service to send the request to (default: web)")
    p.add_argument("--port", type=_port, default=80, help="the service's TCP port, 1-65535 (default: 80)")
    p.add_argument("--live", action="store_true", help="on the live swarm (rig, Vagrant, inventory)")
    p.add_argument("-i", "--inventory", help="a live swarm's inventory file (implies --live)")
    p.add_argument("--recording", help=f"replay this recording (default: {'rig-trace-debian13'})")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="the hop table's language")
    p.set_defaults(func=_trace)

    classroom = sub.add_parser("classroom", help="prepare a classroom: `classroom cache DIR` the day before")
    classroom_sub = classroom.add_subparsers(dest="classroom_command", required=True)
    p = classroom_sub.add_parser("cache", help="save the packages every classroom machine installs into DIR "
                                               "(SWARMLAB_CACHE=DIR vagrant up uses them before any download)")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--target", default="debian-bookworm", choices=("debian-bookworm", "ubuntu-jammy"),
                   help="the machines' distribution (default debian-bookworm, the kit's boxes)")
    p.add_argument("--arch", default="amd64", choices=("amd64", "arm64"), help="the machines' architecture")
    p.add_argument("--docker-version", default="20.10.24+dfsg1-1+deb12u1*",
                   help="the pinned Docker version, as the Vagrantfile's SWARMLAB_DOCKER_VERSION (a trailing * "
                        "matches as apt matches it; default: the kit's pin)")
    p.add_argument("--mirror", help="the distribution's archive (default: its main archive)")
    p.set_defaults(func=_classroom)

    klass = sub.add_parser(
        "class", help="a JupyterHub class server on this host from CLASS.toml (loopback; start needs root)",
        description="CLASS.toml: name, language (zh|en), provider (replay, or pool with a [pool] table: student = "
                    "their swarm's inventory file; rig is not yet), instructors and students (login names), optional "
                    "port (127.0.0.1:PORT, default 8000), course, [limits] active_servers, concurrent_spawns, "
                    "start_timeout; [kube] image, guest_image, hub_image for `class kube`. Example: "
                    "name = \"lb-2026\", language = \"zh\", provider = \"replay\", instructors = [\"teacher\"], "
                    "students = [\"alice\", \"bob\"]. "
                    "See docs/class.md.")
    class_sub = klass.add_subparsers(dest="class_command", required=True)
    for name, text in (("start", "make the accounts and homes, start the hub and the proxy"),
                       ("stop", "stop the hub, every student's server and the proxy"),
                       ("status", "is the hub up, where, each user's server")):
        p = class_sub.add_parser(name, help=text)
        p.add_argument("file", metavar="CLASS.toml")
    p = class_sub.add_parser("kube", help="the class on Kubernetes: Zero to JupyterHub values (a Kata profile) and "
                                          "its NetworkPolicy and RuntimeClass, validated offline, into DIR")
    p.add_argument("file", metavar="CLASS.toml")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="the folder to write the files into")
    klass.set_defaults(func=_class)

    p = sub.add_parser("forget-host", help="forget a node's remembered SSH host key (after a VM was rebuilt)")
    p.add_argument("address", help="host name or address, or [host]:port")
    p.add_argument("-p", "--port", type=_port, help="SSH port, when not 22")
    p.set_defaults(func=_forget_host)
    return parser


def _quiet_stdout() -> None:
    """What is left of the output written now, else dropped (its fd pointed at /dev/null): the interpreter's last
    flush must not fail again after a full disk was said."""
    try:
        sys.stdout.flush()
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, not at exit: a failed write is said below
        return code
    except SwarmlabError as exc:
        # one line: a command's failure brings its stderr on lines of its own (CommandFailed)
        said = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"swarmlab: {_inert(said)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `swarmlab ... | head`
        return 0
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        _quiet_stdout()  # most often the output itself: `swarmlab demo > file` on a full disk
        print(f"swarmlab: cannot write ({exc.strerror}): free some space, or write the output elsewhere",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
