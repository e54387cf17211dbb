"""Linking: options in, the credentials each connector reads out, or what is missing."""

from __future__ import annotations

import pytest

from workers.publishing.linking import LinkError, check_account, credentials_from_options
from workers.runtime import Runtime


@pytest.mark.parametrize(
    ("platform", "options", "expected"),
    [
        ("local", {"handle": "aroha"}, {}),
        (
            "mastodon",
            {"instance": "https://mastodon.nz/", "token": "t"},
            {"instance": "https://mastodon.nz", "access_token": "t"},
        ),
        (
            "bluesky",
            {"handle": "@aroha.bsky.social", "app_password": "p"},
            {
                "service": "https://bsky.social",
                "identifier": "aroha.bsky.social",
                "app_password": "p",
            },
        ),
        (
            "x",
            {"client_id": "c", "access_token": "a", "refresh_token": "r", "client_secret": "s"},
            {"client_id": "c", "access_token": "a", "refresh_token": "r", "client_secret": "s"},
        ),
        (
            "x",
            {
                "consumer_key": "k",
                "consumer_secret": "s",
                "access_token": "a",
                "access_token_secret": "as",
            },
            {
                "consumer_key": "k",
                "consumer_secret": "s",
                "access_token": "a",
                "access_token_secret": "as",
            },
        ),
        ("facebook", {"page_id": "1", "token": "t"}, {"page_id": "1", "access_token": "t"}),
        ("linkedin", {"token": "t"}, {"access_token": "t"}),
        (
            "linkedin",
            {"token": "t", "author": "urn:li:organization:5"},
            {"access_token": "t", "author": "urn:li:organization:5"},
        ),
    ],
)
def test_credentials_from_options(platform: str, options: dict, expected: dict) -> None:
    assert credentials_from_options(platform, options) == expected


@pytest.mark.parametrize(
    ("platform", "options", "message"),
    [
        ("local", {}, "--platform local needs --handle"),
        ("bluesky", {"handle": "a"}, "--platform bluesky needs SMSBRIDGE_APP_PASSWORD"),
        ("x", {"access_token": "a"}, "--platform x needs --client-id SMSBRIDGE_REFRESH_TOKEN"),
        (
            "x",
            {"consumer_key": "k"},
            "--platform x needs SMSBRIDGE_CONSUMER_SECRET SMSBRIDGE_ACCESS_TOKEN "
            "SMSBRIDGE_ACCESS_TOKEN_SECRET",
        ),
        (
            "mastodon",
            {"instance": "http://mastodon.example", "token": "t"},
            "--instance must start with https:// (plain http would send the token in clear)",
        ),
        (
            "bluesky",
            {"handle": "a", "app_password": "p", "service": "http://pds.example"},
            "--service must start with https:// (plain http would send the token in clear)",
        ),
        ("facebook", {"token": "t"}, "--platform facebook needs --page-id"),
    ],
)
def test_missing_options_are_named(platform: str, options: dict, message: str) -> None:
    with pytest.raises(LinkError) as raised:
        credentials_from_options(platform, options)
    assert str(raised.value) == message


def test_checking_a_local_account_returns_its_handle(rt: Runtime) -> None:
    linked = check_account("local", "@aroha", {}, rt.connectors)

    assert (linked.handle, linked.credentials) == ("aroha", {})


def test_checking_a_facebook_page_names_it_after_the_page(rt: Runtime) -> None:
    from tests.peers.facebook import PAGE_NAME, FacebookPeer

    with FacebookPeer() as peer:
        credentials = {
            **credentials_from_options(
                "facebook", {"page_id": peer.page_id, "token": peer.access_token}
            ),
            "api_base": peer.url,
        }
        linked = check_account("facebook", "", credentials, rt.connectors)
        with pytest.raises(LinkError, match=r"^Facebook refused these credentials: "):
            check_account("facebook", "", {**credentials, "access_token": "wrong"}, rt.connectors)

    assert linked.handle == PAGE_NAME
    assert linked.credentials["access_token"] == peer.access_token


def test_checking_linkedin_without_an_author_posts_as_the_tokens_member(rt: Runtime) -> None:
    from tests.peers.linkedin import AUTHOR, LinkedInPeer

    with LinkedInPeer() as peer:
        credentials = {"access_token": peer.access_token, "api_base": peer.url}
        linked = check_account("linkedin", "", credentials, rt.connectors)
        with pytest.raises(LinkError, match=r"^LinkedIn refused these credentials: "):
            check_account("linkedin", "", {**credentials, "access_token": "wrong"}, rt.connectors)

    assert linked.credentials["author"] == AUTHOR
    assert linked.handle
