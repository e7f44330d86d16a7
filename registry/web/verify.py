"""Checking a published site's publications: every checksum, and the chain that links them.

:func:`verify` trusts nothing but the bytes it reads, and walks the chain from its head, so
that each manifest is checked before what it says is believed:

1. ``SITE/manifest.json`` names the latest publication and its manifest's SHA-256;
2. each publication's manifest, newest first, must have that checksum, name its own folder,
   and link to the folder just before it (by name and manifest checksum); the oldest links
   to nothing. A publication folder deleted, added or renamed breaks a link here;
3. then, oldest publication first, every file of a publication must have the checksum its
   manifest lists, and no file may be there that the manifest does not list;
4. last, the dumps at the top of the site must be the latest publication's, byte for byte,
   and be listed so in ``SITE/manifest.json``.

The first thing that does not match is the answer (a :class:`Mismatch`); a folder that is
not a published site at all is an :class:`~registry.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry.errors import InputError
from registry.web.publications import (
    DUMP_FILES,
    FOLDER,
    MANIFEST,
    NAME,
    Manifest,
    Mismatch,
    SiteManifest,
    check_files,
    parse_manifest,
    parse_site_manifest,
    sha256_bytes,
)

__all__ = ["Mismatch", "Verification", "verify"]


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: the publications, how many files matched, the mismatch."""

    site: Path
    publications: tuple[str, ...]
    """The names of the publication folders, oldest first."""
    files_checked: int
    """Files whose SHA-256 matched its manifest (or the next manifest's link), manifests
    included, before the first mismatch (all of them when there is none)."""
    mismatch: Mismatch | None

    @property
    def ok(self) -> bool:
        """Whether every checksum and every link holds."""
        return self.mismatch is None


class _Found(Exception):
    """A mismatch: stops the walk (internal)."""

    def __init__(self, mismatch: Mismatch) -> None:
        super().__init__(str(mismatch))
        self.mismatch = mismatch


def verify(site: Path) -> Verification:
    """Check every checksum and link of the publications kept in ``site`` (see above)."""
    names = _publication_folders(site)
    checked = 0
    try:
        head = _site_manifest(site)
        manifests = _walk_chain(site, names, head.latest.manifest, head.latest.publication)
        checked += len(manifests)
        for name in names:
            count, mismatch = check_files(site / FOLDER / name, manifests[name].files,
                                          f"{FOLDER}/{name}/", "the manifest")
            checked += count
            if mismatch is not None:
                raise _Found(mismatch)
            _no_unlisted_file(site, name, manifests[name])
        _same_dumps(head, manifests[names[-1]], f"{FOLDER}/{names[-1]}/{MANIFEST}")
        count, mismatch = check_files(site, head.files, "", MANIFEST)
        checked += count
        if mismatch is not None:
            raise _Found(mismatch)
    except _Found as found:
        return Verification(site, tuple(names), checked, found.mismatch)
    return Verification(site, tuple(names), checked, None)


def _publication_folders(site: Path) -> list[str]:
    """The publication folder names, oldest first; an InputError when ``site`` is no site
    with publications."""
    if not site.is_dir():
        raise InputError(f"{site} is not a folder: expected a site written by cityreg publish "
                         "--out DIR; give that DIR")
    folder = site / FOLDER
    if not (site / MANIFEST).is_file() or not folder.is_dir():
        raise InputError(f"{site} is not a published site with its publications: expected a "
                         f"folder with {MANIFEST} and {FOLDER}/, as cityreg publish writes "
                         "them; give the folder of cityreg publish --out DIR, or publish it "
                         "again to start its publications")
    return sorted(entry.name for entry in folder.iterdir())


def _site_manifest(site: Path) -> SiteManifest:
    try:
        return parse_site_manifest((site / MANIFEST).read_bytes())
    except ValueError as error:
        raise _Found(Mismatch(MANIFEST, f"not a manifest of cityreg publish: {error}")
                     ) from None


def _walk_chain(site: Path, names: list[str], digest: str, publication: str
                ) -> dict[str, Manifest]:
    """Every publication's manifest, each checked against the checksum its successor (or the
    head) links it by, newest first."""
    for name in names:
        if not NAME.match(name) or not (site / FOLDER / name).is_dir():
            raise _Found(Mismatch(f"{FOLDER}/{name}", "not a publication: expected a folder "
                                  "named by its UTC time, like 2026-12-07T012031Z"))
    if not names:
        raise _Found(Mismatch(MANIFEST, f"names the publication {publication}, but "
                              f"{FOLDER}/ is empty"))
    manifests: dict[str, Manifest] = {}
    says = MANIFEST
    for index in range(len(names) - 1, -1, -1):
        name = names[index]
        if publication != name:
            what = ("names the latest publication" if says == MANIFEST
                    else "links to the previous publication")
            where = "last" if says == MANIFEST else "before it"
            raise _Found(Mismatch(says, f"{what} {publication}, but the one {where} in "
                                  f"{FOLDER}/ is {name}"))
        path = f"{FOLDER}/{name}/{MANIFEST}"
        try:
            data = (site / path).read_bytes()
        except OSError:
            raise _Found(Mismatch(path, f"missing, {says} says SHA-256 {digest}")) from None
        if sha256_bytes(data) != digest:
            raise _Found(Mismatch(path, f"SHA-256 is {sha256_bytes(data)}, {says} says "
                                  f"{digest}"))
        try:
            manifest = parse_manifest(data)
        except ValueError as error:
            raise _Found(Mismatch(path, f"not a manifest of cityreg publish: {error}")
                         ) from None
        if manifest.publication != name:
            raise _Found(Mismatch(path, f"names the publication {manifest.publication}, but "
                                  f"it is in the folder {name}"))
        manifests[name] = manifest
        says = path
        if manifest.previous is None:
            if index > 0:
                raise _Found(Mismatch(path, f"links to no previous publication, but "
                                      f"{names[index - 1]} comes before it"))
        else:
            if index == 0:
                raise _Found(Mismatch(path, f"links to the previous publication "
                                      f"{manifest.previous.publication}, which is not in "
                                      f"{FOLDER}/"))
            publication, digest = manifest.previous.publication, manifest.previous.manifest
    return manifests


def _same_dumps(head: SiteManifest, latest: Manifest, shown: str) -> None:
    """The site's manifest must list the dumps at the top as the latest publication does."""
    for filename in sorted(set(DUMP_FILES) | set(head.files)):
        listed, published = head.files.get(filename), latest.files.get(filename)
        if listed == published:
            continue
        ours = (f"lists {filename} with SHA-256 {listed}" if listed
                else f"does not list {filename}")
        theirs = (f"lists it with SHA-256 {published}" if published else "does not list it")
        raise _Found(Mismatch(MANIFEST, f"{ours}, but {shown} {theirs}"))


def _no_unlisted_file(site: Path, name: str, manifest: Manifest) -> None:
    for entry in sorted((site / FOLDER / name).iterdir()):
        if entry.name != MANIFEST and entry.name not in manifest.files:
            raise _Found(Mismatch(f"{FOLDER}/{name}/{entry.name}",
                                  "not listed in the manifest of its publication"))

