"""Admin: held posts are listed by whose and why, never their words, and can be dropped."""

from __future__ import annotations

from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select

from store.models import HeldPost, OutboundMessage
from tests.conftest import run_jobs
from tests.factories import add_inbound, add_person
from tests.gateway.console.conftest import SignIn, post_form, sign_in
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

SECRET = "Ring Mrs Smith on 021 555 1234 about her son"


def hold_a_post(rt: Runtime) -> int:
    """Have a person text something the confidentiality check holds; return the hold's id."""
    add_person(rt, name="Aroha")
    process_inbound(rt, add_inbound(rt, SECRET))
    with rt.sessions() as session:
        return session.scalars(select(HeldPost.id)).one()


def test_the_page_says_whose_and_why_but_never_the_words(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    hold_a_post(rt)
    sign_in(client, admin)

    page = client.get("/console/held/").get_data(as_text=True)
    home = client.get("/console/").get_data(as_text=True)

    assert "Aroha" in page and "a phone number" in page
    assert SECRET not in page and "021 555 1234" not in page
    assert "1 posts held" in home


def test_dropping_tells_the_author_and_their_yes_then_posts_nothing(
    client: FlaskClient, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    held = hold_a_post(rt)
    sign_in(client, admin)

    response = post_form(client, "/console/held/", f"/console/held/{held}/drop")
    again = post_form(client, "/console/held/", f"/console/held/{held}/drop")
    run_jobs(queue)
    process_inbound(rt, add_inbound(rt, "YES", sid="SMyes"))

    assert response.status_code == again.status_code == 302
    assert "no longer held (it was dropped)" in client.get("/console/held/").get_data(as_text=True)
    with rt.sessions() as session:
        assert session.get_one(HeldPost, held).status == "dropped"
        texts = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert (
        texts[-2] == "An admin dropped the post that was waiting for your YES: nothing was posted."
    )
    assert texts[-1].startswith("Nothing is waiting for YES.")


def test_an_organiser_cannot_see_held_posts(client: FlaskClient, organiser: SignIn) -> None:
    sign_in(client, organiser)

    assert client.get("/console/held/").status_code == 403
