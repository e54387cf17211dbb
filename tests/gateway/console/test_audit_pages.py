"""Admin: the audit log on the page, filtered, and as CSV."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from store import audit
from store.db import transaction
from tests.gateway.console.conftest import SignIn, sign_in
from workers.runtime import Runtime


def test_the_log_shows_entries_newest_first_and_filters(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    with transaction(rt.sessions) as session:
        audit.record(session, "cli", "phone switched off", "+64211234567", address="")
        audit.record(session, "cli", "account linked", "@aroha on Mastodon")
    sign_in(client, admin)

    everything = client.get("/console/audit/").get_data(as_text=True)
    switched = client.get("/console/audit/?action=switched").get_data(as_text=True)

    assert everything.index("sign-in") < everything.index("account linked")
    assert everything.index("account linked") < everything.index("phone switched off")
    assert "phone switched off" in switched and "account linked" not in switched


def test_the_csv_has_every_matching_entry_and_no_formulas(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    with transaction(rt.sessions) as session:
        audit.record(session, "cli", "staff added", '=HYPERLINK("http://x")')
    sign_in(client, admin)

    response = client.get("/console/audit/audit.csv?action=staff")

    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # a BOM: spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["at", "actor", "action", "target", "detail", "address"]
    assert [row[1:4] for row in rows[1:]] == [["cli", "staff added", '\'=HYPERLINK("http://x")']]
