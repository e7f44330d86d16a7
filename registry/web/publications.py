"""A published site's memory: one dated folder per publication, chained by checksums.

Every ``cityreg publish`` adds a publication to ``SITE/publications/`` and keeps the earlier
ones (carried over from the site it replaces)::

    publications/2026-12-07T012031Z/    the UTC time of publishing, to the second
        registry.nq  registry.ttl  registry.jsonld  catalog.ttl   copies of the site's dumps
        changes.json    what changed since the previous publication (not in the first one)
        manifest.json   the SHA-256 of every other file, and of the previous manifest

``manifest.json`` of a publication, and ``SITE/manifest.json``, the head of the chain::

    {"publication": "2026-12-07T012031Z", "published": "2026-12-07T01:20:31Z",
     "files": {"catalog.ttl": "<SHA-256>", ...},
     "previous": {"publication": "2026-12-01T080000Z", "manifest": "<SHA-256>"} or null}

    {"latest": {"publication": "2026-12-07T012031Z", "manifest": "<SHA-256>"},
     "files": {"catalog.ttl": "<SHA-256>", ...: the dumps at the top of the site}}

A changed byte in a publication no longer matches its manifest, and a changed manifest no longer
matches the checksum the next manifest (or the head) holds: :mod:`registry.web.verify` walks
the chain and names the first thing that does not match. The chain proves integrity relative
to its head: whoever can rewrite the whole folder can rewrite the whole chain, so a reader who
wants proof keeps the head's checksum (the changes page and the feed show each one).

Names are times to the second; a publication made within the same second as the previous one
(or while the clock is behind it) is named one second after it, so that names always sort in
publishing order. JSON is written deterministically: sorted keys, indent 2, a final newline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from registry.context import RegistryContext
from registry.errors import InputError
from registry.history.diff import diff_registries
from registry.history.sides import read_dump

FOLDER = "publications"
MANIFEST = "manifest.json"
CHANGES = "changes.json"
#: The files of the site's top level that every publication keeps a copy of.
DUMP_FILES = ("catalog.ttl", "registry.jsonld", "registry.nq", "registry.ttl")
NAME_FORMAT = "%Y-%m-%dT%H%M%SZ"
NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Mismatch:
    """A file or link of a published site that does not match what a manifest says."""

    path: str
    """The file, relative to the site (``publications/<name>/registry.nq``)."""
    problem: str
    """What does not match, with both values (``SHA-256 is ..., the manifest says ...``)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass(frozen=True)
class Link:
    """A manifest's reference to another: the publication and its manifest's SHA-256."""

    publication: str
    manifest: str


@dataclass(frozen=True)
class Manifest:
    """One publication's ``manifest.json``."""

    publication: str
    published: str
    files: dict[str, str]
    previous: Link | None

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data (see the module docstring)."""
        previous = (None if self.previous is None else
                    {"publication": self.previous.publication,
                     "manifest": self.previous.manifest})
        return {"publication": self.publication, "published": self.published,
                "files": dict(self.files), "previous": previous}


@dataclass(frozen=True)
class SiteManifest:
    """The site's own ``manifest.json``: the head of the chain and the top-level dumps."""

    latest: Link
    files: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data (see the module docstring)."""
        return {"latest": {"publication": self.latest.publication,
                           "manifest": self.latest.manifest},
                "files": dict(self.files)}


@dataclass(frozen=True)
class Publication:
    """A kept publication as the changes page and the feed show it."""

    name: str
    published: datetime
    manifest_sha256: str
    files: tuple[str, ...]
    changes: dict[str, Any] | None
    """The ``changes.json`` data (see :mod:`registry.history.diff`); ``None`` for the first."""


# -- the format ---------------------------------------------------------------------------------


def canonical_json(data: Any) -> bytes:
    """``data`` as the bytes cityreg writes: sorted keys, indent 2, UTF-8, final newline."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def publication_name(moment: datetime) -> str:
    """The folder name of a publication made at ``moment`` (aware): ``2026-12-07T012031Z``."""
    return moment.astimezone(UTC).strftime(NAME_FORMAT)


def name_time(name: str) -> datetime:
    """The UTC time a publication's name stands for."""
    return datetime.strptime(name, NAME_FORMAT).replace(tzinfo=UTC)


def parse_manifest(data: bytes) -> Manifest:
    """A publication's manifest from its bytes; ValueError says what is wrong with it."""
    value = _json_object(data, {"publication", "published", "files", "previous"})
    publication, published = value["publication"], value["published"]
    if not isinstance(publication, str) or not NAME.match(publication):
        raise ValueError(f"its publication {publication!r} is not a name like "
                         "2026-12-07T012031Z")
    if not isinstance(published, str):
        raise ValueError(f"its published time {published!r} is not a text")
    try:
        datetime.fromisoformat(published)
    except ValueError:
        raise ValueError(f"its published time {published!r} is not an ISO 8601 time") from None
    previous = value["previous"]
    return Manifest(publication, published, _files(value["files"]),
                    None if previous is None else _link(previous, "previous"))


def parse_site_manifest(data: bytes) -> SiteManifest:
    """The site's manifest from its bytes; ValueError says what is wrong with it."""
    value = _json_object(data, {"latest", "files"})
    return SiteManifest(_link(value["latest"], "latest"), _files(value["files"]))


def _json_object(data: bytes, keys: set[str]) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if not isinstance(value, dict) or set(value) != keys:
        found = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ValueError(f"expected an object with the keys {sorted(keys)}, found {found}")
    return value


def _files(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"its files {value!r} are not an object of file names and checksums")
    for name, digest in value.items():
        if name in ("", ".", "..", MANIFEST) or "/" in name or "\\" in name:
            raise ValueError(f"it lists {name!r}, which is not a file name of its folder")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise ValueError(f"the checksum of {name} ({digest!r}) is not a SHA-256 in hex")
    return dict(value)


def _link(value: Any, key: str) -> Link:
    if (not isinstance(value, dict) or set(value) != {"publication", "manifest"}
            or not isinstance(value["publication"], str) or not NAME.match(value["publication"])
            or not isinstance(value["manifest"], str) or not _SHA256.match(value["manifest"])):
        raise ValueError(f"its {key} link {value!r} is not {{\"publication\": <name>, "
                         "\"manifest\": <SHA-256>}")
    return Link(value["publication"], value["manifest"])


def publication_names(site: Path) -> list[str]:
    """The names of the publications kept in ``site``, oldest first."""
    folder = site / FOLDER
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in folder.iterdir()
                  if entry.is_dir() and NAME.match(entry.name))


def check_files(folder: Path, files: Mapping[str, str], shown: str, says: str
                ) -> tuple[int, Mismatch | None]:
    """Compare the files of ``folder`` with ``files`` (name -> SHA-256), in name order.

    Returns how many files matched before the first that does not (or all of them), and that
    mismatch. ``shown`` prefixes the paths in messages (``publications/<name>/``); ``says``
    names the manifest in them (``the manifest``).
    """
    checked = 0
    for name in sorted(files):
        path = folder / name
        if not path.exists() and not path.is_symlink():
            return checked, Mismatch(shown + name, f"missing, {says} says SHA-256 "
                                                   f"{files[name]}")
        if not path.is_file() or path.is_symlink():
            return checked, Mismatch(shown + name, f"not a regular file (a link or a folder), "
                                                   f"{says} says SHA-256 {files[name]}")
        actual = sha256_file(path)
        if actual != files[name]:
            return checked, Mismatch(shown + name, f"SHA-256 is {actual}, {says} says "
                                                   f"{files[name]}")
        checked += 1
    return checked, None


# -- writing a publication ----------------------------------------------------------------------


def carry_over(earlier: Path, root: Path) -> None:
    """Put the publications of the site ``earlier`` (if any) into the new site ``root``.

    Files are hard-linked where the file system allows it (the earlier site is deleted right
    after), else copied; the earlier site stays whole until the new one takes its place.
    """
    source = earlier / FOLDER
    if source.is_dir():
        shutil.copytree(source, root / FOLDER, copy_function=_link_or_copy, symlinks=True)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def record(context: RegistryContext, root: Path, now: datetime | None = None
           ) -> list[Publication]:
    """Add a publication of the dumps at the top of the site ``root`` and write its manifest,
    its ``changes.json`` (the diff from the previous publication) and the site's manifest.

    The previous publication is checked first: its files must match its manifest, since the
    diff starts from its ``registry.nq`` and the chain from its manifest. Returns every kept
    publication, oldest first.
    """
    names = publication_names(root)
    previous = _checked_latest(root, names[-1]) if names else None
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    name = publication_name(moment)
    if previous is not None and name <= previous.publication:
        name = publication_name(name_time(previous.publication) + timedelta(seconds=1))
    folder = root / FOLDER / name
    folder.mkdir(parents=True)
    for filename in DUMP_FILES:
        shutil.copyfile(root / filename, folder / filename)
    link = None
    if previous is not None:
        changes = _changes(context, root / FOLDER / previous.publication, previous.publication,
                           name)
        (folder / CHANGES).write_bytes(canonical_json(changes))
        link = Link(previous.publication,
                    sha256_file(root / FOLDER / previous.publication / MANIFEST))
    files = {path.name: sha256_file(path) for path in sorted(folder.iterdir())}
    manifest = canonical_json(Manifest(name, moment.isoformat().replace("+00:00", "Z"), files,
                                       link).to_json())
    (folder / MANIFEST).write_bytes(manifest)
    head = SiteManifest(Link(name, sha256_bytes(manifest)),
                        {filename: files[filename] for filename in DUMP_FILES})
    (root / MANIFEST).write_bytes(canonical_json(head.to_json()))
    return history(root)


def _checked_latest(root: Path, name: str) -> Manifest:
    """The latest publication's manifest, once its files are checked against it."""
    shown = f"{FOLDER}/{name}/"
    fix = (f"run `cityreg verify` on the site, put the file back from a backup, or move "
           f"{FOLDER}/ out of the site to start a new chain")
    try:
        manifest = parse_manifest((root / FOLDER / name / MANIFEST).read_bytes())
    except (OSError, ValueError) as error:
        raise InputError(f"the latest publication's manifest {shown}{MANIFEST} cannot be read "
                         f"({error}): expected the manifest cityreg publish wrote; {fix}"
                         ) from None
    _, mismatch = check_files(root / FOLDER / name, manifest.files, shown, "the manifest")
    if mismatch is not None:
        raise InputError(f"the latest publication was changed since it was published: "
                         f"{mismatch}; expected its files as published; {fix}")
    return manifest


def _changes(context: RegistryContext, previous: Path, before: str, after: str
             ) -> dict[str, Any]:
    """The diff between the previous publication's ``registry.nq`` and the registry now."""
    with read_dump(previous / "registry.nq") as earlier:
        diff = diff_registries(earlier, context.registry, as_of=context.as_of,
                               before_label=before, after_label=after)
    return diff.to_json()


# -- reading the kept publications ---------------------------------------------------------------


def history(site: Path) -> list[Publication]:
    """Every publication kept in ``site``, oldest first, with its changes."""
    kept = []
    for name in publication_names(site):
        folder = site / FOLDER / name
        try:
            data = (folder / MANIFEST).read_bytes()
            manifest = parse_manifest(data)
            changes_file = folder / CHANGES
            changes = (json.loads(changes_file.read_bytes()) if changes_file.is_file()
                       else None)
        except (OSError, ValueError) as error:
            raise InputError(f"the publication {FOLDER}/{name} cannot be read ({error}): "
                             "expected what cityreg publish wrote; run `cityreg verify` on "
                             "the site to find what changed") from None
        kept.append(Publication(name, datetime.fromisoformat(manifest.published),
                                sha256_bytes(data), tuple(sorted(manifest.files)), changes))
    return kept

