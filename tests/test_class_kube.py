"""`swarmlab class kube` (issue #24 item 3), offline: the class as Zero to JupyterHub values with a Kata profile, each
student's pod rendered by KubeSpawner's own get_pod_manifest, every manifest validated against the Kubernetes schemas
(kubernetes-validate, strict); a mutated manifest fails; the NetworkPolicy lets nothing out of the cluster; every
mistake in [kube] is one line. No cluster is used (none can run here)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from swarmlab.classhub import classfile, hubconfig, kube, progress, providers
from swarmlab.cli import main
from swarmlab.ports import free_port

KUBE = """\
[kube]
image = "registry.example/swarmlab-course:en"
guest_image = "registry.example/swarmlab-guest:12"
hub_image = "registry.example/swarmlab-hub:5.5.0"
"""
GOOD = """\
name = "lb-kube"
language = "en"
provider = "replay"
instructors = ["teach"]
students = ["ann", "bob"]
""" + KUBE


def write(folder: Path, text: str) -> Path:
    path = folder / "class.toml"
    path.write_text(text)
    return path


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`swarmlab class kube` through main(), once for the module."""
    folder = tmp_path_factory.mktemp("kube")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["class", "kube", str(write(folder, GOOD)), "-o", str(folder / "out")]) == 0
    assert "2 students' pods (KubeSpawner's) valid for Kubernetes 1.30" in out.getvalue()
    return folder / "out"


@pytest.fixture(scope="module")
def pods(generated: Path) -> dict[str, dict[str, Any]]:
    """Both students' pods, as KubeSpawner renders them from the values file written."""
    profiles = docs(generated / "values.yaml")[0]["singleuser"]["profileList"]
    return {p["metadata"]["annotations"]["hub.jupyter.org/username"]: p for p in kube.pods(profiles, ["ann", "bob"])}


def test_every_written_manifest_validates(generated: Path) -> None:
    assert sorted(p.name for p in generated.iterdir()) == ["networkpolicy.yaml", "pod-ann.yaml", "runtimeclass.yaml",
                                                           "values.yaml"]
    kinds = []
    for name in ("networkpolicy.yaml", "runtimeclass.yaml", "pod-ann.yaml"):
        for manifest in docs(generated / name):
            # kubernetes-validate itself, not only swarmlab's wrapper
            assert kubernetes_validate.validate(manifest, "1.30", strict=True) == "1.30"
            kinds.append(manifest["kind"])
    assert kinds == ["NetworkPolicy", "RuntimeClass", "Pod"]


def test_the_profile_makes_a_kata_pod_with_limits_and_the_providers_env(generated: Path,
                                                                        pods: dict[str, dict[str, Any]]) -> None:
    values = docs(generated / "values.yaml")[0]
    assert values["hub"]["config"]["Authenticator"]["allowed_users"] == ["ann", "bob", "teach"]
    # never the chart's default DummyAuthenticator (any password): nobody until the department names its own
    assert values["hub"]["config"]["JupyterHub"] == {"authenticator_class": "null", "admin_access": False}
    assert values["hub"]["loadRoles"]["instructor"]["users"] == ["teach"]
    assert "access:servers" not in str(values["hub"]["loadRoles"])
    assert values["singleuser"]["networkPolicy"] == {"enabled": False}  # the chart's own (egress open) is replaced
    assert values["prePuller"]["extraImages"]["swarmlab-guest"] == {"name": "registry.example/swarmlab-guest",
                                                                    "tag": "12"}
    for student, pod in pods.items():
        spec = pod["spec"]
        assert spec["runtimeClassName"] == "kata-qemu"
        notebook, swarm = spec["containers"]
        assert notebook["image"] == "registry.example/swarmlab-course:en"
        assert swarm["image"] == "registry.example/swarmlab-guest:12" and swarm["securityContext"]["privileged"]
        assert notebook["resources"]["limits"] == {"cpu": 1.0, "memory": 1024**3}
        assert notebook["resources"]["requests"] == {"cpu": 0.1, "memory": 512 * 1024**2}
        assert swarm["resources"] == {"requests": {"memory": "2300M", "cpu": "150m"},
                                      "limits": {"memory": "4096Mi", "cpu": "2"}}
        env = {e["name"]: e.get("value") for e in notebook["env"]}
        assert env["SWARMLAB_MODE"] == "replay" and env["JUPYTERHUB_USER"] == student
        # the image's entrypoint starts the server, with the extension that sends the queued progress events
        assert notebook["args"] == ["jupyterhub-singleuser",
                                    "--ServerApp.jpserver_extensions=swarmlab.course.serverext=True"]


def test_the_network_policy_selects_the_pods_and_lets_nothing_out(generated: Path,
                                                                  pods: dict[str, dict[str, Any]]) -> None:
    (policy,) = docs(generated / "networkpolicy.yaml")
    for pod in pods.values():
        labels = pod["metadata"]["labels"]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        port = pod["spec"]["containers"][0]["ports"][0]["containerPort"]
        assert policy["spec"]["ingress"][0]["ports"][0]["port"] == port
    kube.check_no_way_out(policy)
    assert {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]} == {8081, 10101, 53}


def test_the_progress_service_runs_in_the_hub_pod_and_the_pods_send_to_it(generated: Path,
                                                                          pods: dict[str, dict[str, Any]]) -> None:
    values = docs(generated / "values.yaml")[0]
    hub = values["hub"]
    assert hub["image"] == {"name": "registry.example/swarmlab-hub", "tag": "5.5.0"}  # swarmlab in the hub's image
    service = hub["services"]["swarmlab-progress"]
    assert service["url"] == "http://hub:10101" and service["oauth_no_confirm"] is True
    assert service["command"] == ["python3", "-m", "swarmlab.classhub.progress",
                                  "/usr/local/etc/swarmlab/progress.json"]
    settings = hub["extraFiles"]["swarmlab-progress"]
    assert settings["mountPath"] == service["command"][3]
    data = settings["data"]
    assert (data["students"], data["instructors"], data["provider"]) == (["ann", "bob"], ["teach"], "replay")
    assert data["listen"] == "0.0.0.0"
    assert progress.db_url(data) == "sqlite:////srv/jupyterhub/progress.sqlite"  # on the hub's persistent volume
    # the roles as the local class's: the instructors' scopes (the dashboard's included), none for the service
    assert hub["loadRoles"]["instructor"]["scopes"] == hubconfig.INSTRUCTOR_SCOPES
    assert "access:services!service=swarmlab-progress" in hubconfig.INSTRUCTOR_SCOPES
    assert not [r for r in hub["loadRoles"].values() if r.get("services")]
    assert hub["service"]["extraPorts"] == [{"name": "progress", "port": 10101, "targetPort": 10101}]
    proxy_in, pods_in = hub["networkPolicy"]["ingress"]
    assert proxy_in["from"] == [{"podSelector": {"matchLabels": {"app": "jupyterhub", "component": "proxy"}}}]
    assert pods_in == {"from": [{"podSelector": {"matchLabels": {"component": "singleuser-server",
                                                                "swarmlab.io/class": "lb-kube"}}}],
                       "ports": [{"port": 10101, "protocol": "TCP"}]}
    assert values["proxy"]["chp"]["networkPolicy"]["egress"][0]["to"] == [{"podSelector": {"matchLabels": {
        "app": "jupyterhub", "component": "hub"}}}]
    (policy,) = docs(generated / "networkpolicy.yaml")
    to_hub = [r for r in policy["spec"]["egress"] if r["to"][0].get("podSelector", {}).get("matchLabels", {})
              .get("component") == "hub"]
    assert [p["port"] for r in to_hub for p in r["ports"]] == [8081, 10101]  # the hub's API, the progress service
    for rule in policy["spec"]["egress"]:  # not the proxy: its public port may answer only a redirect to https
        assert all(peer.get("podSelector", {}).get("matchLabels", {}).get("component") != "proxy"
                   for peer in rule["to"])
    # the policy's pods are the ones the hub lets in on the service's port
    assert pods_in["from"][0]["podSelector"] == policy["spec"]["podSelector"]
    for pod in pods.values():
        env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
        # what the course's sender needs (course/progress.py enabled()): the URL and the hub's token for the server
        assert env["SWARMLAB_PROGRESS_URL"] == "http://hub:10101/services/swarmlab-progress/api/events"
        assert "JUPYTERHUB_API_TOKEN" in env  # KubeSpawner's (empty in this offline rendering, set at spawn)


def test_a_progress_db_from_the_class_file_goes_to_the_service(tmp_path: Path) -> None:
    cf = classfile.load(write(tmp_path, GOOD.replace("[kube]", 'progress_db = "postgresql://progress@db/lb"\n[kube]')))
    data = kube.values(cf)["hub"]["extraFiles"]["swarmlab-progress"]["data"]
    assert progress.db_url(data) == "postgresql://progress@db/lb"


def test_the_service_starts_from_the_settings_the_values_mount(generated: Path, tmp_path: Path) -> None:
    """progress.py itself, with the settings the values mount (its folder here, and loopback where the pod listens on
    every address): the service's URL names the hub's Service, which is not an address of this host, so it listens
    on `listen`; a POST without a token is its own 403, and the database is made in the folder."""
    data = docs(generated / "values.yaml")[0]["hub"]["extraFiles"]["swarmlab-progress"]["data"]
    settings = tmp_path / "progress.json"
    settings.write_text(json.dumps({**data, "folder": str(tmp_path), "listen": "127.0.0.1"}))
    port = free_port()
    env = {**os.environ, "JUPYTERHUB_SERVICE_URL": f"http://hub:{port}",
           "JUPYTERHUB_SERVICE_PREFIX": "/services/swarmlab-progress/", "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
           "JUPYTERHUB_API_TOKEN": "unused", "JUPYTERHUB_CLIENT_ID": "service-swarmlab-progress"}
    proc = subprocess.Popen([sys.executable, "-m", "swarmlab.classhub.progress", str(settings)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline()
        assert said.startswith(f"swarmlab-progress: listening on http://hub:{port}/"), said + proc.stdout.read()
        # where the students' pods send (the hub's Service, the service's own port: no proxy in between)
        path = urllib.parse.urlparse(kube.PROGRESS_EVENTS).path
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 403 and b"send the hub's token" in info.value.read()
        assert (tmp_path / "progress.sqlite").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(("mutate", "said"), [
    (lambda v: v["hub"].pop("services"), "hub.services has no swarmlab-progress"),
    (lambda v: v["hub"]["services"]["swarmlab-progress"]["command"].pop(), "run python3 -m swarmlab.classhub.progress"),
    (lambda v: v["hub"].pop("extraFiles"), "(the service's settings) is not in hub.extraFiles"),
    (lambda v: v["hub"]["services"]["swarmlab-progress"].update(url="http://localhost:10101"), "give http://hub:PORT"),
    (lambda v: v["hub"]["service"]["extraPorts"][0].update(port=10102), "hub.service.extraPorts does not open"),
    (lambda v: v["hub"]["networkPolicy"]["ingress"][0]["ports"][0].update(port=8081),
     "hub.networkPolicy.ingress (from the proxy) does not open port 10101"),
    (lambda v: v["hub"]["networkPolicy"]["ingress"].pop(1),
     "hub.networkPolicy.ingress (from the students' pods) does not open port 10101"),
    (lambda v: v.pop("proxy"), "proxy.chp.networkPolicy.egress does not open port 10101"),
    (lambda v: v["singleuser"]["profileList"][0]["kubespawner_override"]["environment"].pop("SWARMLAB_PROGRESS_URL"),
     "profile 'swarmlab' gives its pods SWARMLAB_PROGRESS_URL = None"),
])
def test_values_without_a_reachable_progress_service_are_refused(generated: Path, mutate: Any, said: str) -> None:
    values = docs(generated / "values.yaml")[0]
    kube.check_progress_service(copy.deepcopy(values))  # as written: the service runs and is reached
    mutate(values)
    with pytest.raises(kube.KubeError) as info:
        kube.check_progress_service(values)
    assert said in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("mutate", "said"), [
    (lambda p: p["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}), "egress[2] reaches"),
    (lambda p: p["spec"]["egress"][1].pop("to"), "egress[1] has no `to`"),
    (lambda p: p["spec"].update(policyTypes=["Ingress"]), "lacks Egress"),
])
def test_a_policy_with_a_way_out_is_refused(generated: Path, mutate: Any, said: str) -> None:
    (policy,) = docs(generated / "networkpolicy.yaml")
    mutate(policy)
    with pytest.raises(kube.KubeError, match=re.escape(said)):
        kube.check_no_way_out(policy)


@pytest.mark.parametrize(("file", "mutate", "said"), [
    ("pod-ann.yaml", lambda m: m["spec"].update(runtimeClasName="kata-qemu"),
     "Pod/jupyter-ann: spec: Additional properties are not allowed ('runtimeClasName' was unexpected)"),
    ("pod-ann.yaml", lambda m: m["spec"]["containers"][1]["resources"]["limits"].update(memory=["4Gi"]),
     "Pod/jupyter-ann: spec.containers.1.resources.limits.memory: ['4Gi'] is not valid"),
    ("pod-ann.yaml", lambda m: m["spec"]["containers"][1]["securityContext"].update(privileged="yes"),
     "spec.containers.1.securityContext.privileged: 'yes' is not of type 'boolean'"),
    ("networkpolicy.yaml", lambda m: m["spec"]["egress"][0]["ports"][0].update(proto="TCP"),
     "NetworkPolicy/swarmlab-lb-kube: spec.egress.0.ports.0: Additional properties"),
    ("runtimeclass.yaml", lambda m: m.pop("handler"), "RuntimeClass/kata-qemu: (top): 'handler' is a required"),
])
def test_a_mutated_manifest_fails_validation(generated: Path, file: str, mutate: Any, said: str) -> None:
    (manifest,) = docs(generated / file)
    assert kube.validate(copy.deepcopy(manifest), "1.30") == "1.30"  # as written: valid
    mutate(manifest)
    with pytest.raises(kube.KubeError) as info:
        kube.validate(manifest, "1.30")
    assert said in str(info.value) and "\n" not in str(info.value) and str(info.value).endswith("(Kubernetes 1.30 "
                                                                                              "schema)")
    with pytest.raises(kubernetes_validate.ValidationError):  # the library agrees
        kubernetes_validate.validate(manifest, "1.30", strict=True)


@pytest.mark.parametrize(("image", "pulled"), [
    ("registry.example:5000/lab/guest:12", ("registry.example:5000/lab/guest", "12")),
    ("registry.example:5000/lab/guest", ("registry.example:5000/lab/guest", "latest")),
    ("guest@sha256:" + "0" * 64, None),  # a digest: the chart's pre-puller wants a tag
])
def test_the_guest_image_to_pre_pull(image: str, pulled: tuple[str, str] | None) -> None:
    assert kube._name_and_tag(image) == pulled


def test_each_students_env_comes_from_the_provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class PerStudent(providers.ReplayProvider):
        def env(self, student: str) -> dict[str, str]:
            return {"SWARMLAB_MODE": "replay", "SWARMLAB_STUDENT": student}

    monkeypatch.setattr(providers, "get", lambda name: PerStudent())
    cf = classfile.load(write(tmp_path, GOOD))
    rendered = kube.pods([kube.profile(cf)], ["ann", "bob"])
    seen = [{e["name"]: e.get("value") for e in p["spec"]["containers"][0]["env"]}["SWARMLAB_STUDENT"]
            for p in rendered]
    assert seen == ["ann", "bob"]


@pytest.mark.parametrize(("change", "said"), [
    (lambda t: t.replace(KUBE, ""), "has no [kube] table: add one with image, guest_image and hub_image"),
    (lambda t: t.replace("image =", "imge =", 1), "unknown key kube.imge: did you mean 'image'?"),
    (lambda t: t.replace('guest_image = "registry.example/swarmlab-guest:12"\n', ""),
     "missing kube.guest_image: add the rig's guest image"),
    (lambda t: t.replace('hub_image = "registry.example/swarmlab-hub:5.5.0"\n', ""),
     "missing kube.hub_image: add the hub's image (the chart's quay.io/jupyterhub/k8s-hub with swarmlab"),
    (lambda t: t.replace("swarmlab-hub:5.5.0", "swarmlab-hub@sha256:" + "0" * 64),
     "kube.hub_image = 'registry.example/swarmlab-hub@sha256:0000"),
    (lambda t: t.replace('"registry.example/swarmlab-course:en"', '"Not An Image"'),
     "kube.image = 'Not An Image' is not an image reference"),
    (lambda t: t + 'runtime_class = "Kata_QEMU"\n', "kube.runtime_class = 'Kata_QEMU': give the name of a Kata"),
    (lambda t: t + "kubernetes = 1.30\n", "kube.kubernetes = 1.3: give the cluster's version as text"),
    (lambda t: t + 'kubernetes = "1.99"\n', "set kube.kubernetes to a version from 1.25 to 1.37"),
    (lambda t: t + 'kubernetes = "1.5"\n', "no Kubernetes 1.5 schemas"),
    (lambda t: t.replace(KUBE, "kube = 3\n"), "kube must be a table"),
    (lambda t: t.replace('"replay"', '"pool"') + '[pool]\nann = "a.toml"\nbob = "b.toml"\n',
     "`class kube` does not take provider \"pool\""),
    (lambda t: t.replace('"replay"', '"rig"') + '[rig]\nbase = "/nonexistent"\n',
     "`class kube` does not take provider \"rig\""),
])
def test_kube_mistakes_are_one_line(tmp_path: Path, change: Any, said: str) -> None:
    path = write(tmp_path, change(GOOD))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "kube", str(path), "-o", str(tmp_path / "out")]) == 2
    assert err.getvalue().count("\n") == 1 and said in err.getvalue(), err.getvalue()


def test_output_that_is_a_file_and_a_missing_extra_are_one_line(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    (tmp_path / "taken").write_text("")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "kube", str(path), "-o", str(tmp_path / "taken")]) == 2
    assert err.getvalue().count("\n") == 1 and "is a file: give -o a folder" in err.getvalue()
    monkeypatch.setitem(sys.modules, "kubespawner", None)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "kube", str(path), "-o", str(tmp_path / "out")]) == 2
    assert err.getvalue().count("\n") == 1 and "pip install 'swarmlab[kube]'" in err.getvalue()


def test_the_kube_extra_is_what_the_tests_run() -> None:
    """`swarmlab class kube` imports kubespawner and kubernetes_validate: the `kube` extra carries them, and the test
    extra the same requirements (else this file would not run in CI)."""
    import tomllib

    extras = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert [r.split(">")[0] for r in extras["kube"]] == ["jupyterhub-kubespawner", "kubernetes-validate"]
    assert set(extras["kube"]) <= set(extras["test"])
