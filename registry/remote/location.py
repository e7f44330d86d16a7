"""Where a remote registry lives: the ``--store`` value that names a SPARQL engine by URL.

``--store`` takes a folder (the embedded store) or one of these URLs:

* ``oxigraph+http://HOST:PORT``: an Oxigraph server (``oxigraph serve``), whose endpoints are
  ``/query``, ``/update`` and ``/store``;
* ``virtuoso+http://HOST:PORT``: Virtuoso Open Source's HTTP listener, whose endpoints are
  ``/sparql`` (queries) and ``/sparql-auth`` (updates, with the DBA's or a SPARQL_UPDATE
  user's credentials);
* ``sparql+http://HOST:PORT``: either of the two, recognised by the ``Server`` header of its
  first answer.

``https`` works the same (``oxigraph+https://...``). Credentials are never part of the URL,
where shell histories, process lists and logs would keep them: they come from the
environment (:mod:`registry.remote.client`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from registry.errors import InputError

#: The engines cityreg has an adapter for, by the name their URL scheme starts with.
ENGINES = ("oxigraph", "virtuoso")
_AUTODETECT = "sparql"


@dataclass(frozen=True)
class RemoteLocation:
    """A SPARQL engine that holds a registry: which engine (or ``sparql`` to detect it) and
    the base URL (scheme, host and port) its endpoints hang from."""

    engine: str
    base: str

    def __str__(self) -> str:
        """The URL as the user wrote it (there are no credentials in it to hide)."""
        scheme, rest = self.base.split("://", 1)
        return f"{self.engine}+{scheme}://{rest}"


def parse_location(store: str) -> RemoteLocation:
    """The engine and base URL of ``store`` (``oxigraph+http://127.0.0.1:7878`` ...).

    Raises InputError naming what is wrong: an unknown engine, a scheme other than http(s),
    a missing host, or credentials written into the URL.
    """
    head, sep, rest = store.partition("://")
    engine, plus, protocol = head.partition("+")
    known = ", ".join(f"{name}+http://HOST:PORT" for name in (*ENGINES, _AUTODETECT))
    if not sep or not plus or engine not in (*ENGINES, _AUTODETECT):
        raise InputError(f"--store {store!r} is neither a folder nor a known engine's URL: "
                         f"expected a folder or one of {known}")
    if protocol not in ("http", "https"):
        raise InputError(f"--store {store!r} uses {protocol!r}: expected http or https after "
                         f"'{engine}+', e.g. {engine}+http://127.0.0.1:7878")
    parts = urlsplit(f"{protocol}://{rest}")
    if parts.username is not None or parts.password is not None:
        raise InputError(f"--store for {engine} holds credentials in its URL, where logs and "
                         "shell histories keep them: remove them and set "
                         "CITYREG_SPARQL_USER and CITYREG_SPARQL_PASSWORD instead")
    if not parts.hostname:
        raise InputError(f"--store {store!r} has no host: expected {engine}+{protocol}://"
                         "HOST:PORT")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise InputError(f"--store {store!r} has a path; cityreg knows each engine's endpoint "
                         f"paths: give only {engine}+{protocol}://{parts.netloc}")
    return RemoteLocation(engine, f"{protocol}://{parts.netloc}")
