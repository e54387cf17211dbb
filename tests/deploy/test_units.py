"""The systemd units: what they start, how they stop, and that systemd takes them.

tests/deploy/test_nginx.py starts what they start, behind nginx; this checks the
rest of what a unit says, and runs `systemd-analyze` on them where it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from rq import Queue

from gateway import gunicorn_conf
from tests.deploy.files import (
    APP_DIR,
    DEPLOY,
    ROOT,
    UNITS,
    VENV_DIR,
    documented_settings,
    here,
    read_unit,
)

WEB = "smsbridge-web.service"
WORKER = "smsbridge-worker@.service"
RELEASE = "smsbridge-release.service"
ENV_FILE = "/etc/smsbridge/env"


@pytest.mark.parametrize(
    ("unit", "process"), [(WEB, "web"), (WORKER, "worker"), (RELEASE, "release")]
)
def test_each_unit_runs_its_procfile_process_from_the_venv_with_the_settings_file(
    unit: str, process: str
) -> None:
    read = read_unit(unit)

    assert read.exec_start == [f"{APP_DIR}/deploy/bin/{process}"]
    assert read.value("Service", "WorkingDirectory") == APP_DIR
    assert read.environment["PATH"].startswith(f"{VENV_DIR}/bin:")
    assert read.value("Service", "EnvironmentFile") == ENV_FILE
    assert read.value("Service", "User") == "smsbridge"


def test_every_variable_a_unit_sets_is_documented_for_the_settings_file() -> None:
    set_by_units = {name for unit in (WEB, WORKER, RELEASE) for name in read_unit(unit).environment}

    assert set_by_units - {"PATH"} <= documented_settings()


def test_web_migrates_first_and_listens_where_the_nginx_site_sends() -> None:
    web = read_unit(WEB)
    site = (DEPLOY / "nginx" / "smsbridge.conf").read_text()
    upstream = re.search(r"upstream smsbridge \{\s*server ([^;]+);", site)

    assert RELEASE in web.value("Unit", "Requires").split()
    assert RELEASE in web.value("Unit", "After").split()
    assert upstream is not None
    assert upstream.group(1) == f"{web.environment['WEB_HOST']}:{web.environment['PORT']}"
    assert web.environment["WEB_HOST"] == "127.0.0.1"  # only nginx reaches gunicorn


def test_web_and_workers_stop_gracefully_in_time_and_restart_on_failure() -> None:
    web, worker = read_unit(WEB), read_unit(WORKER)

    for unit in (web, worker):
        assert unit.value("Service", "KillSignal") == "SIGTERM"
        # The main process alone gets SIGTERM: gunicorn's master and RQ's pool stop
        # their own children, which a second signal would make stop mid-job.
        assert unit.value("Service", "KillMode") == "mixed"
        assert unit.value("Service", "Restart") == "on-failure"
    assert int(web.value("Service", "TimeoutStopSec")) > gunicorn_conf.graceful_timeout
    assert int(worker.value("Service", "TimeoutStopSec")) > Queue.DEFAULT_TIMEOUT


def test_compose_gives_web_and_workers_the_same_time_to_stop() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]

    for unit, service in ((WEB, "web"), (WORKER, "worker")):
        seconds = read_unit(unit).value("Service", "TimeoutStopSec")
        assert services[service]["stop_grace_period"] == f"{seconds}s"


def test_every_unit_is_hardened_and_writes_only_its_state_directory() -> None:
    for name in (WEB, WORKER, RELEASE):
        service = read_unit(name).sections["Service"]
        assert service["NoNewPrivileges"] == ["yes"]
        assert service["ProtectSystem"] == ["strict"]
        assert service["PrivateTmp"] == ["yes"]
        # systemd makes it, owned by User=, and writable under ProtectSystem=strict.
        assert service["StateDirectory"] == ["smsbridge"]


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if not found:
        pytest.skip("systemd-analyze is not installed here (Debian's systemd package has it)")
    return found


@pytest.fixture
def units_here(tmp_path: Path) -> Path:
    """The units, their install paths moved to this checkout, so systemd finds the programs."""
    for unit in UNITS.glob("*.service"):
        (tmp_path / unit.name).write_text(here(unit.read_text()))
    return tmp_path


def test_systemd_verifies_every_unit(systemd_analyze: str, units_here: Path) -> None:
    result = subprocess.run(
        [systemd_analyze, "verify", WEB, "smsbridge-worker@1.service", RELEASE],
        cwd=units_here,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("unit", [WEB, "smsbridge-worker@1.service", RELEASE])
def test_systemd_rates_each_unit_well_exposed_at_most(
    systemd_analyze: str, units_here: Path, unit: str
) -> None:
    # systemd's own scale, 0 (locked down) to 10 (wide open): 2.0 is "OK".
    result = subprocess.run(
        [systemd_analyze, "security", "--offline=yes", "--threshold=20", f"./{unit}"],
        cwd=units_here,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
