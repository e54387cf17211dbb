"""Our copies of an event's photos, as one ZIP for its organiser: the files and a CSV index.

The archive itself links to each platform's copy; this is for an organiser who
asks for ours, while retention keeps it (RETAIN_DAYS). Only posts the archive
holds (published, not hidden nor undone) are in it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.spreadsheets import BOM, safe_cell
from store.models import Event, InboundMedia
from store.wall import event_posts

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
INDEX_COLUMNS = ["file", "time (UTC)", "post", "description", "links"]


def write_photos_zip(session: Session, event: Event, out: IO[bytes], retain_days: int) -> int:
    """Write the event's photos and their index to `out`; return how many files it holds."""
    index = io.StringIO()
    index.write(BOM)
    rows = csv.writer(index)
    rows.writerow(INDEX_COLUMNS)
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # JPEGs: no gain
        for post in event_posts(session, event):
            if not post.photos or not post.key.startswith("p"):
                continue
            media = session.scalars(
                select(InboundMedia)
                .where(InboundMedia.post_id == int(post.key[1:]), InboundMedia.status == "stored")
                .order_by(InboundMedia.position)
            )
            links = " ".join(place.url for place in post.places)
            for number, photo in enumerate(media, start=1):
                if photo.data is None:
                    name = f"(erased: photos are kept {retain_days} days)"
                else:
                    extension = EXTENSIONS.get(photo.content_type, "jpg")
                    name = f"photos/{post.created_at:%Y-%m-%d_%H%M}-{post.key}-{number}.{extension}"
                    archive.writestr(name, photo.data)
                    written += 1
                cells = [name, post.created_at.isoformat(), post.text, photo.alt_text, links]
                rows.writerow([safe_cell(cell) for cell in cells])
        archive.writestr("photos.csv", index.getvalue().encode())
    return written
