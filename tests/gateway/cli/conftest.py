"""The smsbridge command run as a user types it, and a person registered through it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, select

from gateway.cli import main
from store.db import transaction
from store.models import OutboundMessage
from tests.conftest import run_jobs
from tests.factories import add_inbound
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def smsbridge(*args: str, env: dict[str, str] | None = None, typed: str | None = None) -> Result:
    """Run the command in this process, with the test environment (and more), typing `typed`."""
    return CliRunner().invoke(main, list(args), input=typed, env=env, catch_exceptions=False)


@pytest.fixture
def registered(rt: Runtime) -> Runtime:
    """A person added through the CLI, with a local account, who confirmed their phone."""
    assert smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha").exit_code == 0
    result = smsbridge(
        "accounts", "add", "--phone", "+64211234567", "--platform", "local", "--handle", "@aroha"
    )
    assert result.exit_code == 0, result.output
    process_inbound(rt, add_inbound(rt, texted_code(rt), sid="SMconfirm"))
    run_jobs(rt.queue)
    with transaction(rt.sessions) as session:
        session.execute(delete(OutboundMessage))  # the tests below count the texts they cause
    return rt


def texted_code(rt: Runtime, phone: str = "+64211234567") -> str:
    """The confirmation code in the last code text to the phone."""
    with rt.sessions() as session:
        body = session.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.to_phone == phone, OutboundMessage.kind == "confirm_code")
            .order_by(OutboundMessage.id.desc())
        ).first()
    assert body is not None
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)
