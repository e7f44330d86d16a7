"""One bounded HTTP GET: what a harvest downloads, with the validators of the copy it holds.

Only ``http`` and ``https`` URLs are fetched, with a time limit for the whole download (each
network wait is bounded by it too) and a limit on the bytes read (a catalogue that points at
a file larger than the registry can hold is refused before it fills the memory).
``If-None-Match`` / ``If-Modified-Since`` are sent when the caller holds a copy, and
``304 Not Modified`` comes back as :attr:`Fetched.not_modified`.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from registry import __version__
from registry.errors import InputError

#: Bytes read at a time.
_CHUNK = 1 << 20


class FetchError(InputError):
    """A URL could not be fetched: unreachable, refused, too large or too slow."""


@dataclass(frozen=True)
class Fetched:
    """What one GET returned."""

    url: str
    """The URL asked for."""
    not_modified: bool
    """The server said the copy the caller holds is current (HTTP 304): no body."""
    body: bytes = b""
    media_type: str = ""
    """The ``Content-Type`` without parameters, lower case ("" when absent)."""
    etag: str = ""
    last_modified: str = ""


def fetch(url: str, *, timeout: float, max_bytes: int, etag: str = "",
          last_modified: str = "") -> Fetched:
    """GET ``url`` (see the module docstring); raises :class:`FetchError` naming the URL."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"cannot harvest {url!r}: expected an http:// or https:// URL (a "
                         "registry's site or its DCAT catalogue); load local files with "
                         "`cityreg load`")
    headers = {"User-Agent": f"cityreg/{__version__} (harvest)",
               "Accept": "application/n-quads, text/turtle;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise _too_large(url, max_bytes)
            chunks: list[bytes] = []
            read = 0
            while chunk := response.read(_CHUNK):
                read += len(chunk)
                if read > max_bytes:
                    raise _too_large(url, max_bytes)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the download took longer than {timeout:g} s")
                chunks.append(chunk)
            media_type = response.headers.get_content_type() if response.headers.get(
                "Content-Type") else ""
            return Fetched(url, False, b"".join(chunks), media_type.lower(),
                           response.headers.get("ETag", ""),
                           response.headers.get("Last-Modified", ""))
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(url, True, etag=error.headers.get("ETag", etag),
                           last_modified=error.headers.get("Last-Modified", last_modified))
        raise FetchError(f"cannot harvest {url}: the server answered HTTP {error.code} "
                         f"{error.reason}; expected 200 with RDF; check the URL") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"cannot harvest {url}: {reason}; expected a server answering within "
                         f"{timeout:g} s; check the URL and that the server runs") from None


def _too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(f"cannot harvest {url}: it is larger than {max_bytes:,} bytes; raise "
                      "--max-mb if the registry is meant to hold it")


__all__ = ["FetchError", "Fetched", "fetch"]
