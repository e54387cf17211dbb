"""The local timeline connector: stored in our database, one entry per key."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models import TimelineEntry
from workers.platforms import LinkedAccount, build_connector, display_name, platform_names
from workers.runtime import Runtime


def test_publish_stores_an_entry_and_links_to_it(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)

    published = connector.publish("Kia ora #swrb13", idempotency_key="SM1-1")

    with rt.sessions() as session:
        entry = session.scalars(select(TimelineEntry)).one()
    assert (entry.handle, entry.text) == ("aroha", "Kia ora #swrb13")
    assert published.remote_id == str(entry.id)
    assert published.url == f"{rt.settings.public_url}/timeline#post-{entry.id}"


def test_the_same_key_twice_makes_one_entry(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)

    first = connector.publish("once", idempotency_key="SM1-1")
    second = connector.publish("once", idempotency_key="SM1-1")

    assert first == second
    with rt.sessions() as session:
        assert len(session.scalars(select(TimelineEntry)).all()) == 1


def test_delete_hides_the_entry(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)
    published = connector.publish("oops", idempotency_key="SM2-1")

    connector.delete(published.remote_id)

    with rt.sessions() as session:
        assert session.scalars(select(TimelineEntry)).one().deleted_at is not None


def test_the_registry_knows_both_platforms_by_name() -> None:
    assert {"local", "mastodon"} <= set(platform_names())
    assert display_name("local") == "Local timeline"
    assert display_name("mastodon") == "Mastodon"
