"""The class file's `[kube]` table: the same class on a Kubernetes cluster (Zero to JupyterHub + KubeSpawner, a
Kata VM per student's pod; `swarmlab class kube`, kube.py). Plain data, checked here; nothing imported from
Kubernetes packages.

    [kube]
    image = "registry.example/swarmlab-course:zh"      # the students' image: jupyterhub-singleuser, swarmlab, the
                                                       # built course in /srv/swarmlab/course
    guest_image = "registry.example/swarmlab-guest:12" # the rig's guest (3 dockerd nodes), the pod's 2nd container
    hub_image = "registry.example/swarmlab-hub:5.5.0"  # the hub's: the chart's k8s-hub with swarmlab installed (the
                                                       # progress service runs in the hub pod); a tag, not a digest
    runtime_class = "kata-qemu"                        # optional: the RuntimeClass (kata-deploy's name by default)
    kubernetes = "1.30"                                # optional: the Kubernetes version validated against
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

KEYS = ("image", "guest_image", "hub_image", "runtime_class", "kubernetes")
REQUIRED = {"image": "the students' image (jupyterhub-singleuser, swarmlab and the built course), e.g. image = "
                     "\"registry.example/swarmlab-course:zh\"",
            "guest_image": "the rig's guest image (the three swarm nodes), e.g. guest_image = "
                           "\"registry.example/swarmlab-guest:12\"",
            "hub_image": "the hub's image (the chart's quay.io/jupyterhub/k8s-hub with swarmlab installed: the "
                         "progress service runs in the hub pod), e.g. hub_image = "
                         "\"registry.example/swarmlab-hub:5.5.0\""}
DEFAULT_RUNTIME_CLASS = "kata-qemu"  # the RuntimeClass kata-deploy installs for Kata with QEMU
DEFAULT_KUBERNETES = "1.30"
# an image reference: [registry[:port]/]path[:tag][@digest], lowercase path (the reference grammar, loosely)
IMAGE = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
                   r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
VERSION = re.compile(r"^1\.[0-9]{1,2}$")


class KubeTableError(ValueError):
    """A mistake in [kube]: the message names the key and the fix (classfile adds the file's name)."""


@dataclass(frozen=True)
class KubeSettings:
    image: str
    guest_image: str
    hub_image: str
    runtime_class: str = DEFAULT_RUNTIME_CLASS
    kubernetes: str = DEFAULT_KUBERNETES


def parse(table: Any) -> KubeSettings:
    if not isinstance(table, dict):
        raise KubeTableError("kube must be a table: [kube] with image, guest_image and hub_image")
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(KEYS)}"
            raise KubeTableError(f"unknown key kube.{key}: {hint}")
    for key, example in REQUIRED.items():
        if key not in table:
            raise KubeTableError(f"missing kube.{key}: add {example}")
        value = table[key]
        if not isinstance(value, str) or not IMAGE.match(value):
            raise KubeTableError(f"kube.{key} = {value!r} is not an image reference: give one like {example}")
    if "@" in table["hub_image"]:
        raise KubeTableError(f"kube.hub_image = {table['hub_image']!r}: give a tag, not a digest (the chart's "
                             "hub.image is a name and a tag), e.g. hub_image = \"registry.example/swarmlab-hub:5.5.0\"")
    runtime_class = table.get("runtime_class", DEFAULT_RUNTIME_CLASS)
    if not isinstance(runtime_class, str) or not DNS_LABEL.match(runtime_class):
        raise KubeTableError(f"kube.runtime_class = {runtime_class!r}: give the name of a Kata RuntimeClass "
                             f"(lowercase letters, digits and -), e.g. \"{DEFAULT_RUNTIME_CLASS}\"")
    kubernetes = table.get("kubernetes", DEFAULT_KUBERNETES)
    if not isinstance(kubernetes, str) or not VERSION.match(kubernetes):
        raise KubeTableError(f"kube.kubernetes = {kubernetes!r}: give the cluster's version as text, e.g. "
                             f"kubernetes = \"{DEFAULT_KUBERNETES}\"")
    return KubeSettings(image=table["image"], guest_image=table["guest_image"],
                        hub_image=table["hub_image"], runtime_class=runtime_class,
                        kubernetes=kubernetes)
