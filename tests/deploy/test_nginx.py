"""The plain-server deployment, run for real: Debian's nginx with the site's proxy rules,
in front of gunicorn and a worker pool each started as its systemd unit starts it.

Only TLS is left out (the suite's nginx listens on plain HTTP on a free port): the
site's TLS server is checked with `nginx -t`, on a certificate made for the test.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway import MAX_BODY_BYTES
from gateway.signed_webhooks import inbound_params, post_signed
from tests.conftest import free_port, wait_until
from tests.deploy.conftest import (
    HALF_BODY,
    HALF_HEADERS,
    METRICS_TOKEN,
    PROMPT,
    SLOW,
    fronted_stack,
    held_connections,
    listening,
    ready,
    send_promptly,
    start,
    start_units,
)
from tests.deploy.files import DEPLOY
from tests.e2e.conftest import Stack, post_replies
from tests.e2e.test_metrics import scrape
from tests.factories import PHONE, add_event, add_person
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e

NGINX = Path("/usr/sbin/nginx")
PROXY_RULES = DEPLOY / "nginx" / "smsbridge-proxy.conf"
SITE = DEPLOY / "nginx" / "smsbridge.conf"


@pytest.fixture(scope="session")
def nginx() -> Path:
    """Debian's nginx program, or skip saying how to get it."""
    if not NGINX.exists():
        pytest.skip(
            f"Debian's nginx is not at {NGINX}: `make test` installs it with apt-get "
            "where it can; install it with `apt-get install nginx`"
        )
    return NGINX


@pytest.fixture
def served(nginx: Path, env: dict[str, str], clean_state: None, tmp_path: Path) -> Iterator[Stack]:
    """gunicorn and a worker pool started as their units start them, behind nginx."""
    nginx_port, web_port = free_port(), free_port()
    stack = fronted_stack(env, tmp_path, nginx_port, web_port)
    try:
        start_nginx(stack, nginx, tmp_path / "nginx", nginx_port, web_port)
        start_units(stack)
        yield stack
    finally:
        stack.stop()
        print(stack.logs())  # shown by pytest only when the test failed


def start_nginx(stack: Stack, nginx: Path, folder: Path, port: int, upstream: int) -> None:
    """Run nginx in the foreground on 127.0.0.1:port with the site's proxy rules."""
    folder.mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, stack.log_dir, port, upstream))
    args = [str(nginx), *nginx_args(folder, conf, stack.log_dir), "-g", "daemon off;"]
    start(stack, "nginx", args)
    wait_until(lambda: listening(port), timeout=10)


def nginx_args(folder: Path, conf: Path, log_dir: Path) -> list[str]:
    """Options that keep nginx in the folder given, away from /etc/nginx and /var/log."""
    return ["-p", str(folder), "-c", str(conf), "-e", str(log_dir / "nginx-error.log")]


def nginx_conf(folder: Path, log_dir: Path, port: int, upstream: int) -> str:
    """A whole nginx.conf: a plain-HTTP server with the site's proxy rules, for the upstream."""
    # As root, nginx's workers would switch to nobody, who cannot enter pytest's folders.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
        {user}
        worker_processes 1;
        pid {folder / "nginx.pid"};
        error_log {log_dir / "nginx-error.log"} info;
        events {{ worker_connections 1024; }}
        http {{
            access_log {log_dir / "nginx-access.log"};
            {temp}
            upstream smsbridge {{ server 127.0.0.1:{upstream}; }}
            server {{
                listen 127.0.0.1:{port};
                include {PROXY_RULES};
            }}
        }}
    """


def test_a_signed_webhook_through_nginx_is_posted_and_answered(served: Stack, rt: Runtime) -> None:
    person = add_person(rt)
    add_event(rt, attendees=(person,))

    answer = served.send(PHONE, "Posted through nginx")

    assert answer.status_code == 200
    assert wait_until(lambda: post_replies(rt), timeout=60) == ["Posted to Local timeline @aroha."]
    # And Prometheus, scraping through nginx with its token, sees it (the worker's
    # job timing too: it is counted a moment after the reply was queued).
    handled = (
        "smsbridge_job_duration_seconds_count",
        frozenset({("job", "handle_inbound"), ("outcome", "finished")}),
    )

    def scraped() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """the worker's handle_inbound timing shows on /metrics through nginx"""
        found = scrape(served.url, METRICS_TOKEN)
        return found if found.get(handled) else {}

    samples = wait_until(scraped, timeout=20, interval=0.2)
    assert (
        samples[("smsbridge_webhooks_total", frozenset({("webhook", "inbound"), ("code", "200")}))]
        == 1
    )
    published = {("platform", "local"), ("status", "published"), ("error_kind", "")}
    assert samples[("smsbridge_deliveries", frozenset(published))] == 1


def test_readyz_through_nginx_answers_200_once_the_worker_is_up(served: Stack) -> None:
    answer = wait_until(lambda: ready(served), timeout=60)

    assert answer.json()["status"] == "ready"
    assert answer.json()["workers"].startswith("ok")


def test_connections_that_never_finish_do_not_starve_the_app_behind_nginx(
    served: Stack,
) -> None:
    # Straight at gunicorn, SLOW requests whose bodies never finish take every thread
    # it has and the next request times out; nginx passes on only whole requests.
    wait_until(lambda: ready(served), timeout=60)

    with (
        held_connections(served.url, SLOW, HALF_HEADERS),
        held_connections(served.url, SLOW, HALF_BODY),
    ):
        started = time.monotonic()
        readiness = requests.get(f"{served.url}/readyz", timeout=PROMPT)
        text = send_promptly(served, PHONE, "Still answered")
        took = time.monotonic() - started

    assert readiness.status_code == 200
    assert text.status_code == 200
    assert took < PROMPT


def test_a_forged_webhook_through_nginx_is_refused(served: Stack) -> None:
    params = inbound_params(served.settings, PHONE, "Forged")

    answer = post_signed(f"{served.url}/sms/inbound", params, "not-our-auth-token")

    assert answer.status_code == 403


def test_nginx_refuses_a_body_over_the_apps_limit_itself(served: Stack) -> None:
    answer = requests.post(
        f"{served.url}/sms/inbound", data={"Body": "x" * MAX_BODY_BYTES}, timeout=PROMPT
    )

    assert answer.status_code == 413
    assert "<center>nginx</center>" in answer.text  # nginx's page, versionless: not the app's


def test_nginx_gives_each_request_its_own_id_for_the_logs(served: Stack) -> None:
    answer = requests.get(
        f"{served.url}/healthz", headers={"X-Request-Id": "chosen-by-the-client"}, timeout=PROMPT
    )

    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])  # nginx's $request_id


def test_the_whole_site_with_its_tls_server_passes_nginx_t(nginx: Path, tmp_path: Path) -> None:
    certificate, key = self_signed(tmp_path, "sms.example.org")
    live = "/etc/letsencrypt/live/sms.example.org"
    site = (
        SITE.read_text()
        .replace(f"{live}/fullchain.pem", str(certificate))
        .replace(f"{live}/privkey.pem", str(key))
        .replace("/etc/nginx/snippets/smsbridge-proxy.conf", str(PROXY_RULES))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log {tmp_path / 'access.log'};\n{site}\n}}\n"
    )

    result = subprocess.run(
        [str(nginx), "-t", *nginx_args(tmp_path, conf, tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """Write a certificate for host, signed by its own key; return both files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file
