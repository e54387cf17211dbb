"""smsbridge seed-demo: the demo make run shows, added once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from gateway.cli.demo import seed_demo, seed_demo_staff
from gateway.cli.dev import STOP_SECONDS, group_alive, stop_group
from store.db import transaction
from store.models import Delivery, Event, Person, Staff
from store.staff import password_matches
from tests.conftest import wait_until
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime


def test_seed_demo_runs_once(rt: Runtime) -> None:
    first = smsbridge("seed-demo")
    second = smsbridge("seed-demo")

    assert (first.output, second.output) == ("Demo added.\n", "Demo already there.\n")
    with rt.sessions() as session:
        assert len(session.scalars(select(Delivery)).all()) == 0
        person = session.scalars(select(Person)).one()
        assert person.current_event is not None and person.current_event.code == "SWRB13"


def test_the_demo_sign_ins_are_made_once_and_their_passwords_kept(
    rt: Runtime, tmp_path: Path
) -> None:
    with transaction(rt.sessions) as session:
        seed_demo(session, rt.secrets)
        first = seed_demo_staff(session, tmp_path)
    with transaction(rt.sessions) as session:
        second = seed_demo_staff(session, tmp_path)

    assert [(email, role) for email, role, _ in first] == [
        ("admin@example.org", "admin"),
        ("organiser@example.org", "organiser"),
    ]
    assert first == second
    kept = tmp_path / "demo-sign-ins.txt"
    assert kept.stat().st_mode & 0o777 == 0o600
    with rt.sessions() as session:
        for email, _, password in first:
            staff = session.scalars(select(Staff).where(Staff.email == email)).one()
            assert password_matches(staff, password)
        event = session.scalars(select(Event)).one()
        organiser = session.scalars(select(Staff).where(Staff.role == "organiser")).one()
    assert event.organiser_id == organiser.id  # the demo event is the demo organiser's


# A program that takes `seconds` to stop on SIGTERM, as Redis saving a big file does,
# then exits 0; with `stubborn`, it first starts a child that ignores SIGTERM.
SLOW_TO_STOP = """
import signal, subprocess, sys, time
seconds, stubborn = float(sys.argv[1]), sys.argv[2] == "stubborn"
if stubborn:
    subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
signal.signal(signal.SIGTERM, lambda *_: (time.sleep(seconds), sys.exit(0)))
print("ready", flush=True)
time.sleep(600)
"""


def slow_to_stop(seconds: float, stubborn: bool = False) -> subprocess.Popen[bytes]:
    """Start it in a session of its own, as `make run` starts its children; wait till it is up."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_TO_STOP, str(seconds), "stubborn" if stubborn else "-"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    with process.stdout:  # (read once: nothing more comes)
        assert process.stdout.readline() == b"ready\n"
    return process


def test_a_program_slow_to_stop_is_given_its_time_not_killed() -> None:
    process = slow_to_stop(12)  # longer than the 10 s most programs are given
    started = time.monotonic()

    stop_group(process, STOP_SECONDS["redis-server"])

    assert process.returncode == 0  # it stopped by itself, not by SIGKILL (-9)
    assert time.monotonic() - started >= 11


def test_what_outlives_its_time_is_killed_with_its_whole_group() -> None:
    process = slow_to_stop(0.1, stubborn=True)  # its child ignores SIGTERM

    stop_group(process, 2)

    # Nothing of the group is left (the killed child is reaped by init in a moment).
    wait_until(lambda: not group_alive(process), timeout=5)
