"""Conditional GET (RFC 9110, section 13): answer ``304 Not Modified`` when the client's copy
is current, so that a harvester polling a national registry's dumps downloads them only when
they changed.

``If-None-Match`` decides when present (any listed tag equal to the current one, weak
comparison, or ``*``); otherwise ``If-Modified-Since`` (the resource was not modified after
that date, to the second). A date that cannot be read is ignored, as the RFC asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


def validators(etag: str, last_modified: datetime | None) -> dict[str, str]:
    """The ``ETag`` and ``Last-Modified`` headers of a representation."""
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    return headers


def not_modified(request_headers: Mapping[str, str], etag: str,
                 last_modified: datetime | None) -> bool:
    """Whether the client that sent ``request_headers`` already holds this version."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = request_headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if client.tzinfo is None:
        return False  # not an HTTP-date (which is always GMT)
    return last_modified.astimezone(UTC).replace(microsecond=0) <= client


__all__ = ["not_modified", "validators"]
