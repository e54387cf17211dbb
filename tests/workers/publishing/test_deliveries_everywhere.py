"""One text, three platforms: each gets it within its own limit, threaded where needed."""

from __future__ import annotations

import json
import uuid

import requests
import responses
from rq import Queue
from sqlalchemy import select

from store.models import Delivery, OutboundMessage
from tests.conftest import run_jobs
from tests.factories import add_event, add_inbound, add_person
from tests.peers.bluesky import BlueskyPds
from tests.peers.mastodon import MastodonPeer
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

TWEETS = "https://api.twitter.com/2/tweets"
TEXT = (
    "Day two of the symposium opened with a panel on supervision and reflective practice. "
    "Practitioners from hospitals, schools and community agencies spoke frankly about "
    "caseloads, burnout and the value of peer support when the work gets heavy. "
    "The closing keynote asked how we measure what matters to whanau, not only to funders, "
    "and how services can share power with the families they serve."
)
X_KEYS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}


def test_one_text_reaches_x_bluesky_and_mastodon_with_the_event_tag(
    rt: Runtime, queue: Queue, bluesky_pds: BlueskyPds
) -> None:
    member = bluesky_pds.create_account(f"all{uuid.uuid4().hex[:8]}")
    tweets: list[dict] = []

    def tweet(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        tweets.append(body)
        return 201, {}, json.dumps({"data": {"id": str(1800 + len(tweets)), "text": body["text"]}})

    with MastodonPeer() as mastodon, responses.RequestsMock() as x:
        x.add_passthru("http://127.0.0.1")  # the Mastodon peer and the PDS are real servers
        x.add_callback(responses.POST, TWEETS, callback=tweet)
        person = add_person(
            rt,
            accounts=[
                ("x", "aroha_nz", X_KEYS),
                (
                    "bluesky",
                    member.handle,
                    {
                        "service": bluesky_pds.url,
                        "identifier": member.handle,
                        "app_password": member.app_password,
                    },
                ),
                (
                    "mastodon",
                    f"aroha@{mastodon.host}",
                    {"instance": mastodon.url, "access_token": mastodon.access_token},
                ),
            ],
        )
        add_event(rt, attendees=(person,))
        process_inbound(rt, add_inbound(rt, TEXT))
        run_jobs(queue)
        statuses = list(mastodon.statuses)
        posts = sorted(
            bluesky_pds.list_records(member.handle), key=lambda r: r["value"]["createdAt"]
        )

    # X: 280 weighted characters a tweet, so a numbered thread, the tag on the first part.
    assert len(tweets) >= 2
    assert "#swrb13" in tweets[0]["text"] and tweets[0]["text"].endswith(f"1/{len(tweets)}")
    assert tweets[1]["reply"]["in_reply_to_tweet_id"] == "1801"
    # Bluesky: 300 graphemes a post, so a thread too, with the tag as a facet.
    assert len(posts) >= 2
    first = posts[0]["value"]
    tag_facets = [f for f in first.get("facets", []) if "tag" in f["features"][0]]
    assert [f["features"][0]["tag"] for f in tag_facets] == ["swrb13"]
    assert posts[1]["value"]["reply"]["root"]["uri"] == posts[0]["uri"]
    # Mastodon: 500 characters, so one status with the tag.
    assert len(statuses) == 1
    assert [tag["name"] for tag in statuses[0]["tags"]] == ["swrb13"]
    with rt.sessions() as session:
        assert session.scalars(select(Delivery.status)).all() == ["published"] * 3
        [reply] = session.scalars(select(OutboundMessage.body)).all()
    assert reply.startswith("Posted to X @aroha_nz, Bluesky @")
