"""Posts and outbound texts as plain data, for the CLI's tables and --json."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import Delivery, OutboundMessage, Post


def post_record(post: Post) -> dict[str, Any]:
    """Return one post with its deliveries."""
    return {
        "id": post.id,
        "phone": post.person.phone,
        "text": post.body,
        "hashtags": post.hashtags.split(),
        "created_at": post.created_at.isoformat(),
        "replied": post.replied_at is not None,
        "deliveries": [
            {
                "platform": d.account.platform,
                "handle": d.account.handle,
                "status": d.status,
                "text": d.text,
                "remote_id": d.remote_id,
                "remote_url": d.remote_url,
                "attempts": d.attempts,
                "error": d.last_error,
                "parts": [
                    {
                        "position": part.position,
                        "text": part.text,
                        "remote_id": part.remote_id,
                        "remote_url": part.remote_url,
                    }
                    for part in d.parts
                ],
            }
            for d in post.deliveries
        ],
    }


def recent_posts(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Return the latest posts, newest first."""
    posts = session.scalars(
        select(Post)
        .options(
            selectinload(Post.person),
            selectinload(Post.deliveries).selectinload(Delivery.account),
            selectinload(Post.deliveries).selectinload(Delivery.parts),
        )
        .order_by(Post.id.desc())
        .limit(limit)
    ).all()
    return [post_record(post) for post in posts]


def outbound_record(message: OutboundMessage) -> dict[str, Any]:
    """Return one outbound text."""
    return {
        "id": message.id,
        "to": message.to_phone,
        "body": message.body,
        "segments": message.segments,
        "encoding": message.encoding,
        "kind": message.kind,
        "status": message.status,
        "twilio_sid": message.twilio_sid,
        "created_at": message.created_at.isoformat(),
    }


def recent_outbound(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Return the latest outbound texts, newest first."""
    rows = session.scalars(
        select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
    ).all()
    return [outbound_record(row) for row in rows]
