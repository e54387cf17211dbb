"""/dev/phone: the phone simulator exists in development only, and shows a conversation."""

from __future__ import annotations

from flask.testing import FlaskClient

from config import Settings
from tests.factories import PHONE, add_inbound, add_person
from tests.gateway.console.conftest import app_with
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def test_there_is_no_simulator_in_production(settings: Settings, clean_state: None) -> None:
    with app_with(settings, env="production") as app:
        client = app.test_client()
        assert client.get("/dev/phone").status_code == 404
        assert client.get("/dev/phone/texts.json").status_code == 404


def test_the_conversation_is_the_phone_s_texts_and_the_answers_in_order(
    client: FlaskClient, rt: Runtime
) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "HELP"))

    asked = {"number": PHONE}
    page = client.get("/dev/phone", query_string=asked).get_data(as_text=True)
    texts = client.get("/dev/phone/texts.json", query_string=asked).get_json()

    assert "Aroha (+64211234567)" in page and "dev_phone.js" in page
    assert [text["from"] for text in texts] == ["phone", "smsbridge"]
    assert texts[0]["body"] == "HELP" and texts[1]["body"].startswith("Text words to post")
