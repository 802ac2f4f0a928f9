"""The systemd units of deploy/systemd/ (docs/deploy.md): ``systemd-analyze verify`` reads them
as systemd would (every directive known and well-formed, every ExecStart an executable), with
/opt/pronto replaced by this checkout and its virtualenv; and each service keeps the settings
file, the restart policy and the hardening the deployment guide promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.test_procfile import QUEUES

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = ["pronto-web.service", "pronto-worker@.service", "pronto-beat.service"]
SERVICES += ["pronto-listen@.service", "pronto-poll@.service"]


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """Sections and their directives (a directive given twice keeps both values)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_the_units_shipped():
    assert sorted(p.name for p in UNITS.iterdir()) == sorted([*SERVICES, "pronto.target"])


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_reads_the_settings_file_restarts_and_is_hardened(name):
    service = unit(name)["Service"]
    assert "/etc/pronto/env" in service["EnvironmentFile"]
    assert service["Restart"] == ["always"]
    for directive, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "ReadWritePaths": "/var/lib/pronto",
        "User": "pronto",
    }.items():
        assert service[directive] == [value], (name, directive)
    assert unit(name)["Install"]["WantedBy"] == ["pronto.target"]


def test_the_target_starts_a_worker_per_queue_and_every_process():
    wants = " ".join(unit("pronto.target")["Unit"]["Wants"]).split()
    assert {f"pronto-worker@{queue}.service" for queue in QUEUES} <= set(wants)
    assert {
        "pronto-web.service",
        "pronto-beat.service",
        "pronto-listen@1.service",
        "pronto-poll@1.service",
    } <= set(wants)


def test_celerys_hostname_is_escaped_from_systemd():
    # %h is systemd's home directory: celery's node name needs %%h.
    start = unit("pronto-worker@.service")["Service"]["ExecStart"][0]
    assert "-n %i@%%h" in start and "-Q %i" in start


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    venv_bin = str(Path(sys.executable).parent) + "/"
    for path in UNITS.iterdir():
        text = path.read_text().replace("/opt/pronto/.venv/bin/", venv_bin).replace("/opt/pronto", str(ROOT))
        (tmp_path / path.name).write_text(text)
    instances = ["pronto.target", "pronto-web.service", "pronto-beat.service", "pronto-listen@1.service"]
    instances += ["pronto-poll@1.service", *(f"pronto-worker@{queue}.service" for queue in sorted(QUEUES))]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{name}" for name in instances)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == "", verified.stderr
