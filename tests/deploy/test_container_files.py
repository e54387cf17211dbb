"""The container deployment, checked as far as a machine without a Docker engine can.

No image is built and no container runs here: the Dockerfile and compose.yaml are
read, their commands held to the Procfile's, their settings to .env.example, and
`docker compose config` is run where the compose plugin exists.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet

from config import REQUIRED_IN_PRODUCTION, load_settings
from gateway import gunicorn_conf
from tests.deploy.files import (
    DEPLOY,
    PROCESSES,
    ROOT,
    documented_settings,
    procfile,
)

SERVICES = {"postgres", "redis", "release", "web", "worker", "proxy"}
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|make|[\w.+-]+-dev)\b")
# compose.yaml's ${NAME}, ${NAME:-default}, ${NAME:?message}; the Caddyfile's {$NAME}.
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")
CADDY_VARIABLE = re.compile(r"\{\$([A-Z_][A-Z0-9_]*)")
SHELL_VARIABLE = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)")


@dataclass
class Stage:
    """One FROM ... of a Dockerfile and the instructions under it."""

    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def dockerfile_stages() -> list[Stage]:
    """Read the Dockerfile's stages, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            base, _, name = arguments.partition(" AS ")
            stages.append(Stage(base.strip(), name.strip()))
        else:
            stages[-1].instructions.append((instruction.upper(), arguments.strip()))
    return stages


def compose() -> dict[str, Any]:
    """compose.yaml as compose reads it (anchors and merge keys resolved), uninterpolated."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


STUB = """#!{python}
import json, os, sys
print(json.dumps([os.getpid(), sys.argv[1:], os.environ.get("SMSBRIDGE_ENV")]))
"""


def test_the_procfile_has_the_three_processes_the_deployments_run() -> None:
    assert set(procfile()) == set(PROCESSES)


@pytest.mark.parametrize("process", PROCESSES)
def test_each_deploy_script_runs_its_procfile_line_in_its_own_process(
    process: str, tmp_path: Path
) -> None:
    line = procfile()[process]
    program = next(word for word in shlex.split(line) if "=" not in word)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / program).write_text(STUB.format(python=sys.executable))
    (stubs / program).chmod(0o755)
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "REDIS_URL": "redis://redis:6379/0"}

    script = subprocess.Popen(
        [DEPLOY / "bin" / process], env=env, stdout=subprocess.PIPE, text=True
    )
    ran = json.loads(script.communicate(timeout=30)[0])
    # What a Procfile runner (honcho, a platform) runs: the line, by sh.
    expected = json.loads(
        subprocess.run(
            ["sh", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        ).stdout
    )

    assert ran[1:] == expected[1:]  # the same arguments, in the same SMSBRIDGE_ENV
    assert ran[0] == script.pid  # exec'd all the way: the service's SIGTERM reaches it


def test_compose_runs_the_deploy_scripts_and_the_image_defaults_to_web() -> None:
    services = compose()["services"]
    final = dockerfile_stages()[-1]

    for process in PROCESSES:
        assert services[process]["command"] == [f"deploy/bin/{process}"]
    assert final.arguments("CMD") == ['["deploy/bin/web"]']


def test_the_image_holds_the_procfile_and_the_scripts_compose_runs() -> None:
    copied = dockerfile_stages()[-1].arguments("COPY")

    assert "Procfile ./" in copied
    assert "deploy/bin ./deploy/bin" in copied


def test_the_builder_installs_the_lock_with_hashes_from_a_slim_python() -> None:
    stages = dockerfile_stages()
    builder = stages[0]
    installs = [run for run in builder.arguments("RUN") if "pip install" in run]

    assert {stage.base for stage in stages} == {"python:3.11-slim"}
    assert any("--require-hashes" in run and "requirements.lock" in run for run in installs)
    # Our own package goes in without pulling anything the lock did not check.
    assert all("--require-hashes" in run or "--no-deps" in run for run in installs)


def test_the_final_stage_has_no_build_tools_and_runs_as_a_user() -> None:
    builder, final = dockerfile_stages()
    user = final.arguments("USER")

    assert any(BUILD_TOOLS.search(run) for run in builder.arguments("RUN"))  # the check works
    assert not any(BUILD_TOOLS.search(run) for run in final.arguments("RUN"))
    assert f"--from={builder.name} /opt/venv /opt/venv" in final.arguments("COPY")
    assert user, "the final stage needs a USER"
    assert user[-1].split(":")[0] not in ("root", "0")


def test_the_image_runs_in_production_with_its_var_folder() -> None:
    env = " ".join(dockerfile_stages()[-1].arguments("ENV"))

    assert "SMSBRIDGE_ENV=production" in env
    assert "SMSBRIDGE_VAR=/var/lib/smsbridge" in env


def test_compose_has_the_six_services_in_order_of_readiness() -> None:
    services = compose()["services"]

    assert set(services) == SERVICES
    assert services["release"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for process in ("web", "worker"):
        depends = services[process]["depends_on"]
        assert depends["release"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_web_is_healthy_when_readyz_says_ready() -> None:
    check = " ".join(compose()["services"]["web"]["healthcheck"]["test"])

    assert "http://127.0.0.1:5000/readyz" in check  # the Procfile's default PORT


def test_workers_scale_and_the_stores_keep_their_data() -> None:
    services = compose()["services"]

    assert services["worker"]["deploy"]["replicas"] == "${WORKERS:-1}"
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["image"] == "redis:7"
    assert "--appendonly" in services["redis"]["command"]
    assert services["proxy"]["image"] == "caddy:2"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]


def test_the_caddyfile_serves_domain_and_limits_bodies_as_the_nginx_site() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text()

    assert "{$DOMAIN} {" in caddyfile
    assert "reverse_proxy web:5000" in caddyfile
    assert "max_size 64KiB" in caddyfile
    assert "client_max_body_size 64k;" in (DEPLOY / "nginx" / "smsbridge-proxy.conf").read_text()


def test_every_variable_compose_and_caddy_use_is_documented() -> None:
    used = set(COMPOSE_VARIABLE.findall((ROOT / "compose.yaml").read_text()))
    used |= set(CADDY_VARIABLE.findall((DEPLOY / "Caddyfile").read_text()))

    assert used - documented_settings() == set()


def test_every_setting_the_processes_read_is_documented() -> None:
    read = settings_read_in_production()
    read |= {name for line in procfile().values() for name in SHELL_VARIABLE.findall(line)}
    read |= set(re.findall(r'environ\.get\("([A-Z_]+)"', Path(gunicorn_conf.__file__).read_text()))

    assert set(REQUIRED_IN_PRODUCTION) <= read
    assert read - documented_settings() == set()


def test_the_example_settings_hold_no_secret() -> None:
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    secrets = ("SECRET_KEY", "TOKEN_KEY", "TWILIO_AUTH_TOKEN", "POSTGRES_PASSWORD")

    for name in secrets:
        assert values[name] == "", f"{name} must be left for the installer to fill in"


class Recording(dict[str, str]):
    """An environment that notes each name asked of it."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return super().__getitem__(name)


def settings_read_in_production() -> set[str]:
    """Return every environment variable load_settings asks for in production."""
    environ = Recording(
        {
            "SMSBRIDGE_ENV": "production",
            "DATABASE_URL": "postgresql://smsbridge@db/smsbridge",
            "REDIS_URL": "redis://redis:6379/0",
            "PUBLIC_URL": "https://sms.example.org",
            "SECRET_KEY": "s" * 40,
            "TOKEN_KEY": Fernet.generate_key().decode(),
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_FROM": "+15005550006",
        }
    )
    load_settings(environ)
    return environ.asked


@pytest.fixture(scope="module")
def docker_compose() -> list[str]:
    docker = shutil.which("docker")
    found = docker and subprocess.run([docker, "compose", "version"], capture_output=True)
    if not found or found.returncode != 0:
        pytest.skip("no docker compose on this machine")
    return [str(docker), "compose"]


def test_docker_compose_accepts_the_file(docker_compose: list[str], tmp_path: Path) -> None:
    for name in ("compose.yaml", "Dockerfile", ".env.example"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    example = (tmp_path / ".env.example").read_text()
    (tmp_path / ".env").write_text(
        example.replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=0123456789abcdef\n")
    )

    result = subprocess.run(
        [*docker_compose, "config", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
