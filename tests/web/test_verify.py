"""`cityreg verify`: every checksum of every publication and the chain between them; the
first file or link that does not match is named."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from registry.cli import main
from registry.context import RegistryContext
from registry.errors import InputError
from registry.store import Registry
from registry.web.publish import publish
from registry.web.verify import Mismatch, verify

DATA = Path(__file__).parent / "data"
FIRST, SECOND = "2026-01-05T100000Z", "2026-02-05T093000Z"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flip_one_byte(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert len(old) == len(new) == 1
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Harbour City published twice, Bayside added in between (copied by each test)."""
    folder = tmp_path_factory.mktemp("verify") / "site"
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        publish(RegistryContext(registry), folder, now=datetime(2026, 1, 5, 10, tzinfo=UTC))
        registry.load(DATA / "bayside.ttl")
        publish(RegistryContext(registry), folder, now=datetime(2026, 2, 5, 9, 30, tzinfo=UTC))
    return folder


@pytest.fixture
def site(published: Path, tmp_path: Path) -> Path:
    """A copy of the published site that a test may change."""
    copy = tmp_path / "site"
    shutil.copytree(published, copy)
    return copy


def test_an_untouched_site_verifies(site: Path) -> None:
    result = verify(site)
    assert result.ok
    assert result.mismatch is None
    assert result.publications == (FIRST, SECOND)
    # 4 dumps + 5 files (with changes.json) + 2 manifests + 4 dumps at the top
    assert result.files_checked == 15


def test_one_byte_changed_in_a_dump_is_named(site: Path) -> None:
    dump = site / "publications" / FIRST / "registry.nq"
    published = sha256(dump)
    flip_one_byte(dump, b"H", b"h")
    assert verify(site).mismatch == Mismatch(
        f"publications/{FIRST}/registry.nq",
        f"SHA-256 is {sha256(dump)}, the manifest says {published}")


def test_a_changed_manifest_breaks_the_chain(site: Path) -> None:
    manifest = site / "publications" / FIRST / "manifest.json"
    published = sha256(manifest)
    # the manifest rewritten to cover a changed dump: the next manifest's link no longer holds
    dump = site / "publications" / FIRST / "registry.ttl"
    flip_one_byte(dump, b"H", b"h")
    data = json.loads(manifest.read_bytes())
    data["files"]["registry.ttl"] = sha256(dump)
    manifest.write_bytes((json.dumps(data, sort_keys=True, indent=2) + "\n").encode())
    assert str(verify(site).mismatch) == (
        f"publications/{FIRST}/manifest.json: SHA-256 is {sha256(manifest)}, "
        f"publications/{SECOND}/manifest.json says {published}")


def test_a_changed_latest_manifest_is_named_by_the_head(site: Path) -> None:
    manifest = site / "publications" / SECOND / "manifest.json"
    published = sha256(manifest)
    flip_one_byte(manifest, b"Z", b"z")
    assert str(verify(site).mismatch) == (
        f"publications/{SECOND}/manifest.json: SHA-256 is {sha256(manifest)}, "
        f"manifest.json says {published}")


def test_a_deleted_publication_breaks_the_chain(site: Path) -> None:
    shutil.rmtree(site / "publications" / FIRST)
    assert str(verify(site).mismatch) == (
        f"publications/{SECOND}/manifest.json: links to the previous publication {FIRST}, "
        "which is not in publications/")


def test_a_publication_deleted_from_the_middle_is_found(site: Path) -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        publish(RegistryContext(registry), site, now=datetime(2026, 3, 1, tzinfo=UTC))
    shutil.rmtree(site / "publications" / SECOND)
    assert str(verify(site).mismatch) == (
        "publications/2026-03-01T000000Z/manifest.json: links to the previous publication "
        f"{SECOND}, but the one before it in publications/ is {FIRST}")


def test_files_the_manifests_do_not_list_are_named(site: Path) -> None:
    (site / "publications" / FIRST / "extra.ttl").write_text("# added later\n")
    assert str(verify(site).mismatch) == (
        f"publications/{FIRST}/extra.ttl: not listed in the manifest of its publication")
    (site / "publications" / FIRST / "extra.ttl").unlink()
    (site / "publications" / "notes").mkdir()
    assert str(verify(site).mismatch) == (
        "publications/notes: not a publication: expected a folder named by its UTC time, "
        "like 2026-12-07T012031Z")


def test_a_missing_file_is_named(site: Path) -> None:
    listed = sha256(site / "publications" / SECOND / "changes.json")
    (site / "publications" / SECOND / "changes.json").unlink()
    assert str(verify(site).mismatch) == (
        f"publications/{SECOND}/changes.json: missing, the manifest says SHA-256 {listed}")


def test_a_file_replaced_by_a_link_is_named(site: Path) -> None:
    dump = site / "publications" / FIRST / "registry.ttl"
    listed = sha256(dump)
    shutil.copyfile(dump, site / "elsewhere.ttl")
    dump.unlink()
    dump.symlink_to(site / "elsewhere.ttl")
    assert str(verify(site).mismatch) == (
        f"publications/{FIRST}/registry.ttl: not a regular file (a link or a folder), the "
        f"manifest says SHA-256 {listed}")


def test_the_dumps_at_the_top_must_be_the_latest_publications(site: Path) -> None:
    dump = site / "registry.ttl"
    published = sha256(dump)
    flip_one_byte(dump, b"H", b"h")
    assert str(verify(site).mismatch) == (
        f"registry.ttl: SHA-256 is {sha256(dump)}, manifest.json says {published}")
    head = json.loads((site / "manifest.json").read_bytes())
    head["files"]["registry.ttl"] = sha256(dump)  # the head rewritten to match: still caught
    (site / "manifest.json").write_text(json.dumps(head))
    assert str(verify(site).mismatch) == (
        f"manifest.json: lists registry.ttl with SHA-256 {sha256(dump)}, but "
        f"publications/{SECOND}/manifest.json lists it with SHA-256 {published}")
    del head["files"]["registry.ttl"]  # the head rewritten not to list it: still caught
    (site / "manifest.json").write_text(json.dumps(head))
    assert str(verify(site).mismatch) == (
        f"manifest.json: does not list registry.ttl, but publications/{SECOND}/manifest.json "
        f"lists it with SHA-256 {published}")


def test_a_folder_that_is_not_a_published_site_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a published site with its publications"):
        verify(tmp_path)
    with pytest.raises(InputError, match="is not a folder"):
        verify(tmp_path / "missing")


# -- the command ------------------------------------------------------------------------------


def test_cli_verify_success(site: Path) -> None:
    result = run("verify", str(site))
    assert (result.exit_code, result.output) == (0, (
        f"Verified 2 publications ({FIRST} to {SECOND}): 15 files match their checksums, and "
        "the chain is unbroken.\n"))


def test_cli_verify_names_the_changed_file(site: Path) -> None:
    dump = site / "publications" / SECOND / "registry.jsonld"
    published = sha256(dump)
    flip_one_byte(dump, b"H", b"h")
    result = run("verify", str(site))
    assert (result.exit_code, result.output) == (1, (
        f"publications/{SECOND}/registry.jsonld: SHA-256 is {sha256(dump)}, the manifest says "
        f"{published}\n"))


def test_cli_verify_errors(tmp_path: Path) -> None:
    result = run("verify", str(tmp_path))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path} is not a published site with its publications: expected a folder "
        "with manifest.json and publications/, as cityreg publish writes them; give the "
        "folder of cityreg publish --out DIR, or publish it again to start its "
        "publications\n")


def test_cli_verify_help() -> None:
    result = run("verify", "--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 everything matches, 1 something does not, 2 error" in result.output
