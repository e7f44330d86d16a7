"""The dumps answer conditional requests (registry/web/conditional.py): a harvester that
holds the current version gets ``304 Not Modified`` and no body; the version is the same
for the same data in another process, and changes when a graph does."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.store import Registry
from registry.web.dumps import DUMPS, dump_version
from registry.web.routes import build_routes

DATA = Path(__file__).parent / "data"


def test_a_current_etag_or_date_gets_304_without_a_body(client: Any) -> None:
    first = client.get("/registry.nq")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"')
    assert etag.endswith('-registry.nq"')
    again = client.get("/registry.nq", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    dated = client.get("/registry.nq", headers={"If-Modified-Since": modified})
    assert dated.status_code == 304
    listed = client.get("/registry.nq", headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304


def test_an_older_copy_or_another_format_gets_the_dump(client: Any) -> None:
    first = client.get("/registry.nq")
    modified = parsedate_to_datetime(first.headers["last-modified"])
    earlier = format_datetime(modified - timedelta(seconds=1), usegmt=True)
    assert client.get("/registry.nq", headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get("/registry.nq", headers={"If-None-Match": '"stale"'}).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110, 13.1.3)
    both = {"If-None-Match": '"stale"', "If-Modified-Since": first.headers["last-modified"]}
    assert client.get("/registry.nq", headers=both).status_code == 200
    ttl = client.get("/registry.ttl", headers={"If-None-Match": first.headers["etag"]})
    assert ttl.status_code == 200
    assert ttl.headers["etag"] != first.headers["etag"]
    unreadable = client.get("/registry.nq", headers={"If-Modified-Since": "yesterday"})
    assert unreadable.status_code == 200


def test_the_version_is_the_same_data_s_and_changes_with_a_graph(tmp_path: Path,
                                                                 make_client: Any) -> None:
    store = tmp_path / "store"
    with Registry.open(store) as registry:
        registry.load(DATA / "harbour.ttl")
        before = dump_version(registry)
    with Registry.open(store) as registry:  # another process would open it the same way
        assert dump_version(registry) == before
        extra = tmp_path / "extra.ttl"
        extra.write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
        registry.load(extra)
        after = dump_version(registry)
        assert after.digest != before.digest
        assert after.last_modified is not None
        assert before.last_modified is not None
        assert after.last_modified >= before.last_modified
        client = make_client(Starlette(routes=build_routes(RegistryContext(registry))))
        stale = client.get("/registry.nq", headers={"If-None-Match": before.etag(DUMPS[2])})
        assert stale.status_code == 200
        assert stale.headers["etag"] == after.etag(DUMPS[2])
