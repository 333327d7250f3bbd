"""Which Debian the rig is built from: --debian, $SWARMLAB_RIG_DEBIAN, the rig home's last build, else 12.

Fast (no VM): the rig itself is run on both releases by tests/test_rig_live.py (`both_rigs`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmlab.cli import main
from swarmlab.rig import RigError, image


@pytest.fixture(autouse=True)
def rig_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(tmp_path))
    monkeypatch.delenv("SWARMLAB_RIG_DEBIAN", raising=False)
    return tmp_path


def test_default_is_debian_12_and_13_adds_the_separate_docker_client() -> None:
    assert image.release().suite == "bookworm"
    d13 = image.release("13")
    assert d13.suite == "trixie"
    assert "docker-cli" in d13.packages and "docker-cli" not in image.release("12").packages


def test_env_then_the_homes_last_build_choose_the_release(rig_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image.remember_release(image.release("13"))
    assert (rig_home / "debian").read_text() == "13\n"
    assert image.release().debian == "13"
    monkeypatch.setenv("SWARMLAB_RIG_DEBIAN", "12")
    assert image.release().debian == "12"
    assert image.release("13").debian == "13", "an explicit --debian wins over the environment"


def test_each_release_has_its_own_image() -> None:
    assert image.recipe_hash("12") != image.recipe_hash("13")
    assert image.current("13").directory.name == image.recipe_hash("13")


def test_an_unknown_release_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMLAB_RIG_DEBIAN", "11")
    with pytest.raises(RigError, match=r"Debian 12 or 13, not '11'"):
        image.release()


def test_the_cli_refuses_an_unknown_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["rig", "up", "--debian", "11"])
    assert exc.value.code == 2
    assert "invalid choice: '11'" in capsys.readouterr().err
