"""`swarmlab class kube CLASS.toml -o DIR`: the class on a Kubernetes cluster, as Zero to JupyterHub values and the
manifests beside them (issue #24 item 3). Offline: nothing here talks to a cluster.

Each student's pod is a Kata VM (`runtimeClassName`): Swarm's IPVS needs a kernel of its own, not a user namespace
(docs/class.md). In it run two containers: the course (the class's image, jupyterhub-singleuser) and the rig's guest
(the three swarm nodes), with requests and limits from what was measured here (below). A NetworkPolicy lets the pod
reach the hub, the proxy and the cluster's DNS, nothing else: no route out, as the rig.

The progress service (progress.py, as `swarmlab class start` runs it) is a JupyterHub managed service in the hub pod
(the class's hub image has swarmlab installed): its settings mounted from the values (hub.extraFiles), its database
on the hub's volume (/srv/jupyterhub) or the class's progress_db; the hub's Service, the hub's and the proxy's
NetworkPolicies opened for its port; each student's pod sends to it at the hub's Service (SWARMLAB_PROGRESS_URL),
in-cluster HTTP as the server reaches the hub's API, not through the proxy (whose public port may be HTTPS only).

The pod is KubeSpawner's own: a KubeSpawner is given the values file's profileList (read back from the YAML written)
and renders each student's pod with `get_pod_manifest`, as the hub will at spawn. Every manifest written (and every
student's pod) is validated against the Kubernetes OpenAPI schemas (`kubernetes-validate`, strict: an unknown field
fails) for the class's Kubernetes version.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import yaml

from swarmlab import paths
from swarmlab.classhub import hubconfig, providers
from swarmlab.classhub.accounts import COURSE_DIR
from swarmlab.classhub.classfile import ClassFile
from swarmlab.classhub.hubconfig import INSTRUCTOR_SCOPES, PROGRESS
from swarmlab.course.progress import URL_ENV as PROGRESS_ENV
from swarmlab.errors import SwarmlabError
from swarmlab.rig.vm import CPUS as RIG_CPUS
from swarmlab.rig.vm import MEMORY_MB as RIG_MEMORY_MB

EXTRA = "pip install 'swarmlab[kube]' (jupyterhub-kubespawner, kubernetes-validate)"
CLASS_LABEL = "swarmlab.io/class"
COURSE_IN_IMAGE = "/srv/swarmlab/course"  # where the class's image holds the built course (labs/<language>)
NOTEBOOK_PORT = 8888  # KubeSpawner's default port for the single-user server
# the chart's names (fullnameOverride "" and hub.baseUrl "/", its defaults): the hub's Service `hub` (the hub on 8081)
HUB_HOST = "hub"
HUB_API_PORT = 8081
HUB_LABELS = {"app": "jupyterhub", "component": "hub"}
PROXY_LABELS = {"app": "jupyterhub", "component": "proxy"}
# the progress service in the hub pod: its port (the hub's Service gets it as an extra port), its settings file
# (mounted from the values), the hub's persistent volume (the chart's sqlite-pvc, where its SQLite file goes)
PROGRESS_PORT = 10101
PROGRESS_SETTINGS = "/usr/local/etc/swarmlab/progress.json"
HUB_STATE = "/srv/jupyterhub"
# what progress.py reads of the settings (hubconfig.settings has the local hub's ports and paths besides)
SERVICE_SETTINGS = ("name", "language", "provider", "instructors", "students", "folder", "progress_db", "pool", "rig")
# What the students' kernels POST to: the service at the hub's Service, in-cluster HTTP, as every server reaches the
# hub's API (http://hub:8081). Not through `proxy-public`: with the chart's HTTPS (proxy.https, letsencrypt/manual)
# its port 80 answers a redirect to https, which a POST does not follow, and every event would stay queued.
PROGRESS_EVENTS = f"http://{HUB_HOST}:{PROGRESS_PORT}/services/{PROGRESS}/api/events"

# Resources, and where each number comes from (docs/class.md, "300 students on Kubernetes"):
# the course container: JupyterLab's server measured at 87 MiB RSS after serving /lab, a kernel at 189 MiB peak after
# running every lesson of the course (replay) on this machine (2026-12-07): ~280 MiB; the guarantee leaves room for a
# second open lesson's kernel, the limit for a third.
NOTEBOOK_MEMORY = ("512M", "1G")  # (guarantee, limit): KubeSpawner's mem_guarantee / mem_limit (M, G: MiB, GiB)
NOTEBOOK_CPU = (0.1, 1.0)
# the rig's guest: the rig VM's real RSS while lessons run live is 2.1-2.3 GB of its 4 GiB (class-research.md);
# request the measured top, limit the rig's own allocation (rig/vm.py MEMORY_MB). CPU: the idle rig keeps 0.149 of a
# CPU busy (benchmarks/results/lab.json, vm_background_busy_cpu_s_per_s, under tcg); limit: the rig's vCPUs.
GUEST_MEMORY = ("2300M", f"{RIG_MEMORY_MB}Mi")  # (request, limit)
GUEST_CPU = ("150m", str(RIG_CPUS))
# the Kata VM's own cost on the node, counted by the scheduler: kata-deploy's RuntimeClass for kata-qemu
# (tools/packaging/kata-deploy/runtimeclasses/kata-qemu.yaml); class-research.md has ~120 MiB per pod.
KATA_OVERHEAD = {"memory": "160Mi", "cpu": "250m"}
KATA_NODE_LABEL = {"katacontainers.io/kata-runtime": "true"}  # what kata-deploy labels its nodes with


class KubeError(SwarmlabError):
    """The class cannot be rendered for Kubernetes, or a manifest fails its schema; one line naming the fix."""


def _kube(cf: ClassFile) -> Any:
    if cf.provider in ("pool", "rig"):
        raise KubeError(f"{paths.shown(cf.path)}: `class kube` does not take provider \"{cf.provider}\" (its swarms "
                        "are on this host, handed to homes here by `class start`): use provider = \"replay\"")
    if cf.kube is None:
        raise KubeError(f"{paths.shown(cf.path)} has no [kube] table: add one with image, guest_image and "
                        "hub_image (docs/class.md, \"300 students on Kubernetes\")")
    return cf.kube


def profile(cf: ClassFile) -> dict[str, Any]:
    """The profile (Zero to JupyterHub's singleuser.profileList entry): KubeSpawner trait overrides."""
    kube = _kube(cf)
    # the provider's environment, per student: KubeSpawner expands {username} in each value at spawn
    env = {**providers.get(cf.provider).env("{username}"), PROGRESS_ENV: PROGRESS_EVENTS}  # as hubconfig's pre_spawn
    copy_course = (f'[ -e "$HOME/{COURSE_DIR}" ] || cp -r {COURSE_IN_IMAGE} "$HOME/{COURSE_DIR}"')  # once, as at home
    return {
        "display_name": f"{cf.name} ({cf.language}): the course and a swarm of your own",
        "description": f"a Kata VM: the course ({cf.provider}) and the rig's three swarm nodes",
        "slug": "swarmlab",
        "default": True,
        "kubespawner_override": {
            "image": kube.image,
            "cmd": ["jupyterhub-singleuser"],
            "args": [hubconfig.FLUSH_ARG],  # the server sends the student's queued progress events (serverext.py)
            "default_url": f"/lab/tree/{COURSE_DIR}",
            "environment": dict(env),
            "extra_labels": {CLASS_LABEL: cf.name, "hub.jupyter.org/network-access-hub": "true"},
            "extra_pod_config": {"runtimeClassName": kube.runtime_class},
            "mem_guarantee": NOTEBOOK_MEMORY[0], "mem_limit": NOTEBOOK_MEMORY[1],
            "cpu_guarantee": NOTEBOOK_CPU[0], "cpu_limit": NOTEBOOK_CPU[1],
            "lifecycle_hooks": {"postStart": {"exec": {"command": ["sh", "-c", copy_course]}}},
            "extra_containers": [{
                "name": "swarm",
                "image": kube.guest_image,
                # privileged inside the pod's own VM only: Kata's containerd handler must set
                # privileged_without_host_devices = true (kata-containers #10298), docs/class.md
                "securityContext": {"privileged": True},
                "resources": {"requests": {"memory": GUEST_MEMORY[0], "cpu": GUEST_CPU[0]},
                              "limits": {"memory": GUEST_MEMORY[1], "cpu": GUEST_CPU[1]}},
            }],
        },
    }


def _name_and_tag(image: str) -> tuple[str, str] | None:
    """registry/path:tag as (registry/path, tag); None for a digest (the chart's pre-puller wants a tag)."""
    if "@" in image:
        return None
    name, _, tag = image.rpartition(":")
    return (name, tag) if name and "/" not in tag else (image, "latest")


def progress_settings(cf: ClassFile) -> dict[str, Any]:
    """The progress service's settings file (progress.py reads it), as `class start` writes it (hubconfig.settings),
    the hub pod's volume as the class folder (SQLite there unless the class gives progress_db); it listens on every
    address of the hub pod (the proxy reaches it through the hub's Service)."""
    made = hubconfig.settings(cf, Path(HUB_STATE), hub_port=8081, api_port=8001, chp="", singleuser=[],
                              progress_port=PROGRESS_PORT, python="python3")
    return {**{k: made[k] for k in SERVICE_SETTINGS}, "listen": "0.0.0.0"}


def progress_service(cf: ClassFile) -> dict[str, Any]:
    """The values that run the progress service in the hub pod, as `class start` runs it locally: a managed service
    (the hub starts and restarts it, gives it its token and URL), reached through the proxy at /services/NAME/."""
    image = _name_and_tag(_kube(cf).hub_image)
    assert image is not None  # kubefile refuses a digest for hub_image

    def port() -> list[dict[str, Any]]:  # a new list each time: one shared object would be a YAML anchor
        return [{"port": PROGRESS_PORT, "protocol": "TCP"}]

    return {
        "hub": {
            # the chart's k8s-hub with swarmlab installed: the service's command runs in the hub's container
            "image": {"name": image[0], "tag": image[1]},
            "services": {PROGRESS: {
                "url": f"http://{HUB_HOST}:{PROGRESS_PORT}",
                "command": ["python3", "-m", "swarmlab.classhub.progress", PROGRESS_SETTINGS],
                "cwd": HUB_STATE, "oauth_no_confirm": True}},
            "extraFiles": {PROGRESS: {"mountPath": PROGRESS_SETTINGS, "data": progress_settings(cf)}},
            "service": {"extraPorts": [{"name": "progress", "port": PROGRESS_PORT, "targetPort": PROGRESS_PORT}]},
            # the hub's own policy lets in 8081 only: the proxy routes /services/NAME/ (the dashboard) to this port,
            # and the class's pods send their events to it (PROGRESS_EVENTS)
            "networkPolicy": {"ingress": [{"from": [{"podSelector": {"matchLabels": dict(PROXY_LABELS)}}],
                                           "ports": port()},
                                          {"from": [{"podSelector": {"matchLabels": pod_labels(cf)}}],
                                           "ports": port()}]},
        },
        "proxy": {"chp": {"networkPolicy": {"egress": [{"to": [{"podSelector": {"matchLabels": dict(HUB_LABELS)}}],
                                                        "ports": port()}]}}},
    }


def values(cf: ClassFile) -> dict[str, Any]:
    """Zero to JupyterHub's values: the roster, the instructors' role, the profile, the progress service in the hub
    pod; the chart's own singleuser NetworkPolicy off (it allows egress to the internet by default: ours replaces
    it); the guest's image pre-pulled on every node (the chart pulls the profile's image, not its extra
    containers'); 1 GiB homes (the course is ~190 KB; the chart's default is 10 GiB each)."""
    guest = _name_and_tag(_kube(cf).guest_image)
    pre_pull = {"prePuller": {"extraImages": {"swarmlab-guest": {"name": guest[0], "tag": guest[1]}}}} if guest else {}
    progress = progress_service(cf)
    return {
        "hub": {
            # the chart's default is DummyAuthenticator (any password) with admin_access: here nobody logs in until
            # the department's own values file (helm --values sso.yaml, after this one) names its authenticator
            "config": {"JupyterHub": {"authenticator_class": "null", "admin_access": False},
                       "Authenticator": {"allowed_users": sorted(cf.users), "admin_users": []}},
            # as the local class: the instructors see the students and the progress dashboard; the service itself
            # holds no role (it asks the hub whose token a request carries, which needs none)
            "loadRoles": {"instructor": {"description": "sees every student of the class: who, their servers, "
                                                        "activity", "scopes": list(INSTRUCTOR_SCOPES),
                                         "users": sorted(cf.instructors)}},
            "concurrentSpawnLimit": cf.limits["concurrent_spawns"],
            "activeServerLimit": cf.limits["active_servers"] or None,
            **progress["hub"],
        },
        "proxy": progress["proxy"],
        "singleuser": {
            "startTimeout": cf.limits["start_timeout"],
            "storage": {"capacity": "1Gi"},
            "networkPolicy": {"enabled": False},
            "profileList": [profile(cf)],
        },
        **pre_pull,
    }


def pod_labels(cf: ClassFile) -> dict[str, str]:
    """What selects the class's students' pods (KubeSpawner's component label, the profile's class label)."""
    return {"component": "singleuser-server", CLASS_LABEL: cf.name}


def network_policy(cf: ClassFile) -> dict[str, Any]:
    """The class's pods: in, only from what the chart labels for it (hub, proxy); out, only to the hub's pod (its
    API and the progress service) and the cluster's DNS. No ipBlock and no rule without `to`: nothing outside the
    cluster."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": f"swarmlab-{cf.name}", "labels": {"app.kubernetes.io/managed-by": "swarmlab"}},
        "spec": {
            "podSelector": {"matchLabels": pod_labels(cf)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-singleuser":
                                                                   "true"}}}],
                         "ports": [{"port": NOTEBOOK_PORT, "protocol": "TCP"}]}],
            "egress": [
                {"to": [{"podSelector": {"matchLabels": dict(HUB_LABELS)}}],  # the hub's API, the progress service
                 "ports": [{"port": HUB_API_PORT, "protocol": "TCP"}, {"port": PROGRESS_PORT, "protocol": "TCP"}]},
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                 "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
            ],
        },
    }


def check_no_way_out(policy: dict[str, Any]) -> None:
    """The policy denies egress by default and allows only peers inside the cluster (pods, or kube-system for DNS):
    an egress rule without `to` (any destination) or with an ipBlock (addresses outside) is refused."""
    spec = policy["spec"]
    name = policy["metadata"]["name"]
    if "Egress" not in spec.get("policyTypes", []):
        raise KubeError(f"NetworkPolicy/{name}: policyTypes lacks Egress: the pods' egress would be unrestricted")
    for i, rule in enumerate(spec.get("egress", [])):
        peers = rule.get("to")
        if not peers:
            raise KubeError(f"NetworkPolicy/{name}: egress[{i}] has no `to`: it allows every destination")
        for peer in peers:
            if "ipBlock" in peer or not ({"podSelector", "namespaceSelector"} & set(peer)):
                raise KubeError(f"NetworkPolicy/{name}: egress[{i}] reaches {peer}: only pods of the cluster")


def check_progress_service(vals: dict[str, Any]) -> None:
    """The values run the progress service and the students reach it: the hub starts progress.py with the settings
    file the values mount, on the port the service's URL names, which the hub's Service and both policies (the hub's
    ingress from the proxy, the proxy's egress to the hub) open; every profile gives its pods the URL through the
    proxy. Anything missing or not matching: one line naming it."""
    hub = vals.get("hub", {})
    service = hub.get("services", {}).get(PROGRESS)
    if not service:
        raise KubeError(f"values: hub.services has no {PROGRESS}: the students' progress would go nowhere")
    command = service.get("command", [])
    if command[:3] != ["python3", "-m", "swarmlab.classhub.progress"] or len(command) != 4:
        raise KubeError(f"values: hub.services.{PROGRESS}.command = {command}: run python3 -m "
                        "swarmlab.classhub.progress SETTINGS")
    mounted = [f["mountPath"] for f in hub.get("extraFiles", {}).values() if "data" in f]
    if command[3] not in mounted:
        raise KubeError(f"values: {command[3]} (the service's settings) is not in hub.extraFiles")
    url = urlparse(service.get("url", ""))
    if url.hostname != HUB_HOST or not url.port:
        raise KubeError(f"values: hub.services.{PROGRESS}.url = {service.get('url')!r}: give http://{HUB_HOST}:PORT")
    opened = {
        "hub.service.extraPorts": {p.get("targetPort") for p in hub.get("service", {}).get("extraPorts", [])
                                   if p.get("port") == url.port},
        "hub.networkPolicy.ingress (from the proxy)": _ingress_ports(hub, "proxy"),
        "hub.networkPolicy.ingress (from the students' pods)": _ingress_ports(hub, "singleuser-server"),
        "proxy.chp.networkPolicy.egress": {p["port"] for r in vals.get("proxy", {}).get("chp", {})
                                           .get("networkPolicy", {}).get("egress", []) for p in r.get("ports", [])},
    }
    for where, ports in opened.items():
        if url.port not in ports:
            raise KubeError(f"values: {where} does not open port {url.port} (the {PROGRESS} service's)")
    events = urlparse(PROGRESS_EVENTS)
    if (events.hostname, events.port) != (url.hostname, url.port):
        raise KubeError(f"values: the students' pods send to {events.hostname}:{events.port}, the service is at "
                        f"{url.hostname}:{url.port}")
    for prof in vals.get("singleuser", {}).get("profileList", []):
        env = prof.get("kubespawner_override", {}).get("environment", {})
        if env.get(PROGRESS_ENV) != PROGRESS_EVENTS:
            raise KubeError(f"values: profile {prof.get('slug')!r} gives its pods {PROGRESS_ENV} = "
                            f"{env.get(PROGRESS_ENV)!r}, not {PROGRESS_EVENTS}")


def _ingress_ports(hub: dict[str, Any], component: str) -> set[int]:
    """The ports hub.networkPolicy.ingress opens to pods of this `component` label."""
    return {p["port"] for r in hub.get("networkPolicy", {}).get("ingress", [])
            if any(f.get("podSelector", {}).get("matchLabels", {}).get("component") == component
                   for f in r.get("from", []))
            for p in r.get("ports", [])}


def runtime_class(cf: ClassFile) -> dict[str, Any]:
    """The RuntimeClass the profile names, as kata-deploy makes it (apply only where kata-deploy did not)."""
    name = _kube(cf).runtime_class
    return {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": name}, "handler": name,
            "overhead": {"podFixed": dict(KATA_OVERHEAD)}, "scheduling": {"nodeSelector": dict(KATA_NODE_LABEL)}}


@contextlib.contextmanager
def _offline_kubeconfig() -> Iterator[None]:
    """KubeSpawner loads a Kubernetes client configuration when it is made (in-cluster, else the default kubeconfig
    file); give it one naming a loopback port it never calls (only get_pod_manifest is used: no request is made).
    kubernetes_asyncio reads $KUBECONFIG once at import, so its default location is pointed here for the while."""
    from kubernetes_asyncio.config import kube_config

    config = {"apiVersion": "v1", "kind": "Config", "current-context": "offline",
              "clusters": [{"name": "offline", "cluster": {"server": "https://127.0.0.1:9"}}],
              "users": [{"name": "offline", "user": {}}],
              "contexts": [{"name": "offline", "context": {"cluster": "offline", "user": "offline"}}]}
    saved = kube_config.KUBE_CONFIG_DEFAULT_LOCATION
    with tempfile.TemporaryDirectory(prefix="swarmlab-kube-") as tmp:
        path = Path(tmp) / "config"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        kube_config.KUBE_CONFIG_DEFAULT_LOCATION = str(path)
        try:
            yield
        finally:
            kube_config.KUBE_CONFIG_DEFAULT_LOCATION = saved


def _imports() -> tuple[Any, Any, Any]:
    try:
        import kubernetes_validate
        from kubernetes_asyncio.client import ApiClient
        from kubespawner import KubeSpawner
    except ImportError as exc:
        raise KubeError(f"swarmlab class kube needs {exc.name}: {EXTRA}") from None
    return KubeSpawner, ApiClient, kubernetes_validate


def pods(profile_list: list[dict[str, Any]], students: list[str]) -> list[dict[str, Any]]:
    """Each student's pod as KubeSpawner renders it with `profile_list` applied (its default profile), as JSON."""
    kube_spawner, api_client, _ = _imports()

    async def render() -> list[dict[str, Any]]:
        # the hub as Zero to JupyterHub runs it: its Service `hub` on 8081
        hub = SimpleNamespace(public_host="", url="http://hub:8081/hub/", base_url="/hub/",
                              api_url="http://hub:8081/hub/api")
        out = []
        serializer = api_client()  # one: each loads the system's CA certificates (~20 ms)
        clients = set()
        try:
            for i, student in enumerate(students, 1):
                user = SimpleNamespace(name=student, id=i, url=f"/user/{student}/")
                spawner = kube_spawner(_mock=True, user=user, hub=hub, profile_list=profile_list)
                clients.add(spawner.api.api_client)  # KubeSpawner's shared client, never used for a request
                spawner.user_options = {}
                await spawner.load_user_options()
                out.append(serializer.sanitize_for_serialization(await spawner.get_pod_manifest()))
        finally:
            for client in [serializer, *clients]:
                await client.close()
        return out

    with _offline_kubeconfig():
        return asyncio.run(render())


def validate(manifest: dict[str, Any], version: str) -> str:
    """Check `manifest` against Kubernetes `version`'s schema (strict: an unknown field fails); returns the schema
    version used. Only versions whose schemas kubernetes-validate ships are accepted (it would silently use an
    older one, or fail with an IndexError, for others)."""
    _, _, kv = _imports()
    name = f"{manifest.get('kind', '?')}/{(manifest.get('metadata') or {}).get('name', '?')}"
    shipped = sorted({kv.utils.major_minor(v) for v in kv.utils.all_versions()}, key=lambda v: int(v.split(".")[1]))
    if version not in shipped:
        raise KubeError(f"{name}: no Kubernetes {version} schemas in kubernetes-validate: set kube.kubernetes to a "
                        f"version from {shipped[0]} to {shipped[-1]}")
    try:
        used: str = kv.validate(manifest, version, strict=True)
    except kv.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "(top)"
        raise KubeError(f"{name}: {where}: {exc.message.splitlines()[0]} (Kubernetes {version} schema)") from None
    except kv.utils.SchemaNotFoundError as exc:
        raise KubeError(f"{name}: {exc.message}") from None
    return used


def _write(path: Path, header: str, docs: list[dict[str, Any]]) -> None:
    text = "\n---\n".join(yaml.safe_dump(d, sort_keys=False, allow_unicode=True) for d in docs)
    path.write_text(header + text, encoding="utf-8")


def generate(cf: ClassFile, out: Path) -> dict[str, Any]:
    """Write values.yaml, networkpolicy.yaml, runtimeclass.yaml and one student's pod (pod-NAME.yaml, what the hub
    will create) into `out`; every student's pod and every manifest validated first. Returns a summary."""
    kube = _kube(cf)
    if out.exists() and not out.is_dir():
        raise KubeError(f"{paths.shown(out)} is a file: give -o a folder for the generated files")
    header = f"# generated by `swarmlab class kube {cf.path.name}`; regenerate rather than edit (docs/class.md)\n"
    vals = values(cf)
    made = paths.made(out)
    _write(made / "values.yaml", header + "# helm upgrade --install CLASS jupyterhub/jupyterhub --values values.yaml "
           "--values sso.yaml\n# (sso.yaml: your authenticator, hub.config.JupyterHub.authenticator_class and its "
           "settings;\n# without it the \"null\" authenticator below lets nobody log in)\n# hub.image: the chart's "
           "quay.io/jupyterhub/k8s-hub (its version) with swarmlab installed: the progress service\n# "
           "(hub.services) runs in the hub's container\n", [vals])
    # the pods come from the values file as written: KubeSpawner reads the profileList the chart will give it
    written = yaml.safe_load((made / "values.yaml").read_text(encoding="utf-8"))
    rendered = pods(written["singleuser"]["profileList"], list(cf.students))
    check_progress_service(written)
    manifests = [network_policy(cf), runtime_class(cf)]
    check_no_way_out(manifests[0])
    used = ""
    for m in [*manifests, *rendered]:
        used = validate(m, kube.kubernetes)
    _write(made / "networkpolicy.yaml", header + "# kubectl apply -n NAMESPACE -f networkpolicy.yaml\n",
           [manifests[0]])
    _write(made / "runtimeclass.yaml", header + "# only where kata-deploy did not install it already\n",
           [manifests[1]])
    example = cf.students[0] if cf.students else None
    if example:
        _write(made / f"pod-{example}.yaml", header + "# for review: the hub creates it at spawn (KubeSpawner)\n",
               [rendered[0]])
    return {"folder": str(made), "students": len(rendered), "kubernetes": kube.kubernetes, "schema": used,
            "files": sorted(p.name for p in made.iterdir() if p.suffix == ".yaml")}
