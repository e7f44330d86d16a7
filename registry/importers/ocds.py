"""Open Contracting Data Standard 1.1 (release packages, records, releases) -> contracts.

What becomes what:

* the buyer -> ``cityreg:Agency``; the suppliers of the contract's award -> ``cityreg:Company``;
* each ``contracts[]`` entry -> ``cityreg:VendorContract``: title -> ``rdfs:label``,
  description -> ``cityreg:subjectMatter``, period -> ``cityreg:startDate``/``endDate``
  (and ``maxExtentDate`` -> ``cityreg:maximumTermMonths``), value -> ``cityreg:value`` +
  ``cityreg:currency``, ``dateSigned`` -> ``cityreg:signedDate``, status -> ``cityreg:status``,
  the tender's ``mainProcurementCategory`` and ``procurementMethod``, the ``ocid`` and the
  contract id -> ``dct:identifier``;
* contract amendments -> ``cityreg:Amendment`` (date, description, rationale); the
  modification value is the contract value after minus before, read from the releases the
  amendment names (``amendsReleaseID``/``releaseID``); an end date moved later is an
  ``cityreg:Extension``, wording about renewal a ``cityreg:Renewal``, a value change a
  ``cityreg:Modification``; without both values, the modification value is marked
  ``cityreg:notDisclosed``;
* documents -> ``cityreg:Source`` (url, title, publication date), linked with
  ``cityreg:source``; a signed contract's URL -> ``cityreg:sourceDocument``.

OCDS does not publish a contract's clauses or renewal terms. Following MODELLING.md ("the three
states of a fact"), each contract says ``cityreg:documentDisclosure`` (``PartiallyDisclosed``
when a signed contract is linked, else ``NotDisclosed``) and marks the facts OCDS cannot give
``cityreg:notDisclosed``, so the lock-in and procurement checks say "cannot be verified"
instead of reporting a violation the data cannot support.

A record uses its ``compiledRelease`` when present, else merges its releases; a package's
releases are merged per ``ocid`` (objects merged key by key, arrays of objects by ``id``,
later releases winning), as the OCDS merging rules do.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.importers.base import (
    CITYREG,
    RDF_TYPE,
    RDFS_LABEL,
    XSD,
    ImportProblem,
    ImportProblems,
    ImportResult,
    mint,
    read_bytes,
)
from registry.store.guards import MAX_NESTING, json_too_deep

DCT = "http://purl.org/dc/terms/"
_C = CITYREG
_CATEGORIES = {"goods": "Supplies", "works": "Works", "services": "Services"}
#: What OCDS never says about a contract: marked cityreg:notDisclosed on every contract.
NOT_GIVEN = ("automaticRenewal", "renewalTermMonths", "brandNamedWithoutEquivalent")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$")

Json = dict[str, Any]


def import_ocds(paths: Sequence[Path], base: str,
                progress: Callable[[int, int], None] | None = None) -> list[ImportResult]:
    """One result per OCDS file; every problem in every file (JSON pointers) or none.

    ``progress(done, total)`` counts the files read.
    """
    problems: list[ImportProblem] = []
    results = []
    if progress is not None:
        progress(0, len(paths))
    for path in paths:
        data, sha256 = read_bytes(path)
        result = ImportResult(path, "application/json", sha256)
        problems.extend(_OcdsFile(path, base, result).run(data))
        results.append(result)
        if progress is not None:
            progress(len(results), len(paths))
    if problems:
        raise ImportProblems(problems)
    return results


class _OcdsFile:
    def __init__(self, path: Path, base: str, result: ImportResult) -> None:
        self.path = path
        self.base = base
        self.result = result
        self.problems: list[ImportProblem] = []
        self.releases: dict[str, Json] = {}
        """The file's full releases by release id (not compiled releases)."""

    def problem(self, pointer: str, message: str) -> None:
        self.problems.append(ImportProblem(str(self.path), pointer or "/", message))

    def run(self, data: bytes) -> list[ImportProblem]:
        document = self._parse(data)
        if document is _UNREADABLE:
            return self.problems
        releases = list(self._releases(document))
        for pointer, release in releases:
            self._check_release(pointer, release)
        if self.problems:
            return self.problems
        self.releases = {str(r["id"]): r for pointer, r in releases
                         if "id" in r and not pointer.endswith("/compiledRelease")}
        publication = self._publication(document)
        for ocid, compiled in self._compiled(document, releases):
            self._contracts(ocid, compiled, self.releases)
        if publication is not None:
            for kind, subjects in self.result.entities().items():
                for subject in subjects if kind != _C + "Source" else ():
                    self._add(ox.NamedNode(subject), _C + "source", publication)
        return self.problems

    def _parse(self, data: bytes) -> Any:
        """The parsed JSON, or ``_UNREADABLE`` after recording why it cannot be read."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problem("", f"not UTF-8 text (byte {error.start}); expected OCDS JSON, which "
                         "is UTF-8: save the file as UTF-8")
            return _UNREADABLE
        deep = json_too_deep(data)
        if deep is not None:
            self.problems.append(ImportProblem(
                str(self.path), f"{deep[0]}:{deep[1]}", f"arrays and objects nest deeper than "
                f"{MAX_NESTING} levels here: expected OCDS JSON, which nests about ten"))
            return _UNREADABLE
        try:
            return json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            self.problems.append(ImportProblem(str(self.path), f"{error.lineno}:{error.colno}",
                                               f"not valid JSON: {error.msg}"))
        except ValueError as error:  # a number too long for Python's int, NaN or Infinity
            message = str(error)
            if "integer string conversion" in message:
                message = ("a number with more than 4,300 digits; expected amounts such as "
                           "11000000")
            self.problem("", f"not valid OCDS JSON: {message}")
        except RecursionError:
            self.problem("", "arrays and objects nest too deep: expected OCDS JSON")
        return _UNREADABLE

    def _publication(self, document: Json) -> ox.NamedNode | None:
        """The package as a cityreg:Source (its ``uri``), cited by every entity it gives."""
        uri = document.get("uri")
        if not isinstance(uri, str) or not re.match(r"^https?://\S+$", uri):
            return None
        node = mint(self.base, "source", "ocds", uri)
        publisher = document.get("publisher")
        name = publisher.get("name") if isinstance(publisher, dict) else None
        label = f"OCDS data published by {name}" if name else "OCDS data"
        self._add(node, RDF_TYPE.value, ox.NamedNode(_C + "Source"))
        self._add(node, RDFS_LABEL.value, _text(label))
        self._add(node, _C + "url", _uri(uri))
        day = _day(document.get("publishedDate"))
        if day is not None:
            self._add(node, _C + "publishedOn", _date(day))
        return node

    # -- structure --------------------------------------------------------------------------

    def _releases(self, document: Any) -> Iterator[tuple[str, Json]]:
        """Every full release in the file, with its JSON pointer."""
        if not isinstance(document, dict):
            self.problem("", "expected a JSON object: an OCDS release package, record "
                         "package or release")
            return
        if isinstance(document.get("releases"), list):
            for index, release in enumerate(document["releases"]):
                yield from self._release_at(f"/releases/{index}", release)
        elif isinstance(document.get("records"), list):
            for index, record in enumerate(document["records"]):
                pointer = f"/records/{index}"
                if not isinstance(record, dict):
                    self.problem(pointer, "expected a record object")
                    continue
                if record.get("compiledRelease") is not None:
                    yield from self._release_at(f"{pointer}/compiledRelease",
                                                record["compiledRelease"])
                if not isinstance(record.get("releases", []), list):
                    self.problem(f"{pointer}/releases", "expected an array of releases")
                    continue
                for j, release in enumerate(record.get("releases") or []):
                    if isinstance(release, dict) and "url" in release and "ocid" not in release:
                        continue  # a linked release: only its URL is in the record
                    yield from self._release_at(f"{pointer}/releases/{j}", release)
        elif "ocid" in document:
            yield from self._release_at("", document)
        else:
            self.problem("", "expected \"releases\" (a release package), \"records\" (a "
                         "record package) or \"ocid\" (a release); is this OCDS 1.1 JSON?")

    def _release_at(self, pointer: str, release: Any) -> Iterator[tuple[str, Json]]:
        if not isinstance(release, dict):
            self.problem(pointer, "expected a release object")
        else:
            yield pointer, release

    def _compiled(self, document: Json, releases: list[tuple[str, Json]]
                  ) -> Iterator[tuple[str, Json]]:
        """One compiled release per ocid: the record's own, else the merged releases."""
        compiled: dict[str, Json] = {}
        for pointer, release in releases:
            if pointer.endswith("/compiledRelease"):
                compiled[str(release["ocid"])] = release
        grouped: dict[str, list[Json]] = {}
        for pointer, release in releases:
            ocid = str(release["ocid"])
            if ocid not in compiled and not pointer.endswith("/compiledRelease"):
                grouped.setdefault(ocid, []).append(release)
        for ocid, group in grouped.items():
            merged: Json = {}
            for release in sorted(group, key=lambda r: str(r.get("date", ""))):
                merged = merge(merged, release)
            compiled[ocid] = merged
        yield from sorted(compiled.items())

    # -- checks -----------------------------------------------------------------------------

    def _check_release(self, pointer: str, release: Json) -> None:
        if not isinstance(release.get("ocid"), str) or not release["ocid"].strip():
            self.problem(f"{pointer}/ocid", "missing: every release needs its ocid (the "
                         "contracting process identifier)")
        self._check_types(pointer, release, _RELEASE_TYPES)
        for index, award in enumerate(_list(release.get("awards"))):
            if isinstance(award, dict):
                self._check_types(f"{pointer}/awards/{index}", award, _AWARD_TYPES)
        for index, contract in enumerate(_list(release.get("contracts"))):
            where = f"{pointer}/contracts/{index}"
            if not isinstance(contract, dict):
                self.problem(where, "expected a contract object")
                continue
            self._check_types(where, contract, _CONTRACT_TYPES)
            if isinstance(contract.get("id"), bool) or not isinstance(contract.get("id"),
                                                                      str | int):
                self.problem(f"{where}/id", "missing: every contract needs an id")
            self._check_value(f"{where}/value", contract.get("value"))
            period = contract.get("period")
            if isinstance(period, dict):
                for key in ("startDate", "endDate", "maxExtentDate"):
                    self._check_date(f"{where}/period/{key}", period.get(key))
            self._check_date(f"{where}/dateSigned", contract.get("dateSigned"))
            for j, amendment in enumerate(_amendments(contract)):
                self._check_date(f"{where}/amendments/{j}/date", amendment.get("date"))
            for j, doc in enumerate(_list(contract.get("documents"))):
                if not isinstance(doc, dict):
                    self.problem(f"{where}/documents/{j}", "expected a document object")
                    continue
                self._check_date(f"{where}/documents/{j}/datePublished",
                                 doc.get("datePublished"))
                url = doc.get("url")
                if url is not None and (not isinstance(url, str) or not re.fullmatch(
                        r"\S+", url)):
                    self.problem(f"{where}/documents/{j}/url", f"{url!r} is not a web address: "
                                 "expected a URL without spaces such as "
                                 "https://example.org/contract.pdf")

    def _check_types(self, pointer: str, value: Json, expected: dict[str, tuple[type, ...]]
                     ) -> None:
        """Each key of ``value`` that ``expected`` names has one of the JSON types it lists."""
        for key, kinds in expected.items():
            item = value.get(key)
            if item is not None and ((isinstance(item, bool) and bool not in kinds)
                                     or not isinstance(item, kinds)):
                self.problem(f"{pointer}/{key}", f"{_json_type(item)} where OCDS has "
                             f"{' or '.join(_JSON_NAMES[kind] for kind in kinds)}")

    def _check_value(self, pointer: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.problem(pointer, "expected an object with amount and currency")
            return
        amount = value.get("amount")
        if amount is not None and (isinstance(amount, bool)
                                   or not isinstance(amount, int | float)
                                   or not math.isfinite(amount)):
            self.problem(f"{pointer}/amount", f"{amount!r} is not a number: expected an amount "
                         "such as 11000000")
        currency = value.get("currency")
        if currency is not None and not (isinstance(currency, str)
                                         and re.fullmatch(r"[A-Z]{3}", currency)):
            self.problem(f"{pointer}/currency", f"{currency!r} is not an ISO 4217 code: "
                         "expected three capital letters such as EUR")

    def _check_date(self, pointer: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not _DATE.match(value) or _day(value) is None:
            self.problem(pointer, f"{value!r} is not a date: expected ISO 8601 such as "
                         "2010-07-01T00:00:00Z")

    # -- statements -------------------------------------------------------------------------

    def _contracts(self, ocid: str, release: Json, by_id: dict[str, Json]) -> None:
        parties = {str(p.get("id")): p for p in _list(release.get("parties"))
                   if isinstance(p, dict)}
        buyer = self._organisation(release.get("buyer"), parties, "Agency", "agency")
        awards = {str(a.get("id")): a for a in _list(release.get("awards"))
                  if isinstance(a, dict)}
        tender = _object(release.get("tender"))
        for contract in _list(release.get("contracts")):
            node = mint(self.base, "contract", ocid, str(contract["id"]))
            self._contract(node, ocid, contract, tender, buyer)
            award = awards.get(str(contract.get("awardID")), {})
            for supplier in _list(award.get("suppliers")):
                company = self._organisation(supplier, parties, "Company", "company")
                if company is not None:
                    self._add(node, _C + "supplier", company)
            for index, amendment in enumerate(_amendments(contract)):
                self._amendment(node, ocid, contract, index, amendment, by_id)
            for doc in _list(contract.get("documents")):
                self._document(node, ocid, doc)

    def _contract(self, node: ox.NamedNode, ocid: str, contract: Json, tender: Json,
                  buyer: ox.NamedNode | None) -> None:
        self._add(node, RDF_TYPE.value, ox.NamedNode(_C + "VendorContract"))
        self._add(node, RDFS_LABEL.value, _text(contract.get("title")
                                               or f"Contract {contract['id']} ({ocid})"))
        self._add(node, DCT + "identifier", ox.Literal(ocid))
        self._add(node, DCT + "identifier", ox.Literal(str(contract["id"])))
        if contract.get("description"):
            self._add(node, _C + "subjectMatter", _text(contract["description"]))
        if buyer is not None:
            self._add(node, _C + "buyer", buyer)
        if contract.get("status"):
            self._add(node, _C + "status", ox.Literal(str(contract["status"])))
        period = _object(contract.get("period"))
        start, end = _day(period.get("startDate")), _day(period.get("endDate"))
        extent = _day(period.get("maxExtentDate"))
        for key, day in (("startDate", start), ("endDate", end),
                         ("signedDate", _day(contract.get("dateSigned")))):
            if day is not None:
                self._add(node, _C + key, _date(day))
        if start is not None and (extent or end) is not None:
            months = _months(start, extent or end)  # type: ignore[arg-type]
            self._add(node, _C + "maximumTermMonths",
                      ox.Literal(str(months), datatype=ox.NamedNode(XSD + "integer")))
        else:
            self._not_disclosed(node, "maximumTermMonths")
        if end is None:
            self._not_disclosed(node, "endDate")
        value = self._original_value(ocid, contract)
        if value.get("amount") is not None:
            self._add(node, _C + "value", _decimal(value["amount"]))
            if value.get("currency"):
                self._add(node, _C + "currency", ox.Literal(str(value["currency"])))
        else:
            self._not_disclosed(node, "value")
        category = _CATEGORIES.get(str(tender.get("mainProcurementCategory")))
        if category is not None:
            self._add(node, _C + "procurementCategory", ox.NamedNode(_C + category))
        if tender.get("procurementMethod"):
            self._add(node, _C + "procurementMethod", ox.Literal(str(tender["procurementMethod"])))
        signed = [d for d in _list(contract.get("documents")) if isinstance(d, dict)
                  and d.get("documentType") == "contractSigned" and d.get("url")]
        disclosure = "PartiallyDisclosed" if signed else "NotDisclosed"
        self._add(node, _C + "documentDisclosure", ox.NamedNode(_C + disclosure))
        for doc in signed:
            self._add(node, _C + "sourceDocument", _uri(doc["url"]))
        for name in NOT_GIVEN:
            self._not_disclosed(node, name)

    def _original_value(self, ocid: str, contract: Json) -> Json:
        """The contract's value as first published (cityreg:value is the original value).

        The compiled release holds the latest value, after amendments; the earliest release of
        the same ocid that gives the contract a value holds the original.
        """
        for release in sorted(self.releases.values(), key=lambda r: str(r.get("date", ""))):
            if release.get("ocid") == ocid:
                earlier = _contract_in(release, contract["id"])
                if earlier is not None and _amount(earlier) is not None:
                    return dict(earlier["value"])
        value = contract.get("value")
        return value if isinstance(value, dict) else {}

    def _amendment(self, contract_node: ox.NamedNode, ocid: str, contract: Json, index: int,
                   amendment: Json, by_id: dict[str, Json]) -> None:
        ident = str(amendment.get("id", index + 1))
        node = mint(self.base, "amendment", ocid, str(contract["id"]), ident)
        self._add(contract_node, _C + "hasAmendment", node)
        self._add(node, RDF_TYPE.value, ox.NamedNode(_C + "Amendment"))
        title = contract.get("title") or contract["id"]
        self._add(node, RDFS_LABEL.value, _text(f"Amendment {ident} of {title}"))
        day = _day(amendment.get("date"))
        if day is not None:
            self._add(node, _C + "amendmentDate", _date(day))
        words = " ".join(str(amendment.get(k) or "") for k in ("description", "rationale"))
        if amendment.get("description"):
            self._add(node, DCT + "description", _text(amendment["description"]))
        before = _contract_in(by_id.get(str(amendment.get("amendsReleaseID"))), contract["id"])
        after = _contract_in(by_id.get(str(amendment.get("releaseID"))), contract["id"])
        kinds = set()
        if re.search(r"\brenew", words, re.IGNORECASE):
            kinds.add("Renewal")
        if re.search(r"\bextend|\bextension", words, re.IGNORECASE):
            kinds.add("Extension")
        old_value, new_value = _amount(before), _amount(after)
        if old_value is not None and new_value is not None:
            self._add(node, _C + "modificationValue", _decimal(new_value - old_value))
            if new_value != old_value:
                kinds.add("Modification")
        else:
            self._not_disclosed(node, "modificationValue")
        old_end, new_end = _end(before), _end(after)
        if old_end is not None and new_end is not None and new_end > old_end:
            kinds.add("Extension")
        for kind in sorted(kinds):
            self._add(node, _C + "amendmentType", ox.NamedNode(_C + kind))

    def _document(self, owner: ox.NamedNode, ocid: str, doc: Any) -> None:
        if not isinstance(doc, dict) or not doc.get("url"):
            return
        node = mint(self.base, "source", ocid, str(doc.get("id") or doc["url"]))
        self._add(owner, _C + "source", node)
        self._add(node, RDF_TYPE.value, ox.NamedNode(_C + "Source"))
        self._add(node, RDFS_LABEL.value, _text(doc.get("title") or doc["url"]))
        self._add(node, _C + "url", _uri(doc["url"]))
        day = _day(doc.get("datePublished"))
        if day is not None:
            self._add(node, _C + "publishedOn", _date(day))

    def _organisation(self, reference: Any, parties: dict[str, Json], kind: str,
                      segment: str) -> ox.NamedNode | None:
        if not isinstance(reference, dict) or reference.get("id") is None:
            return None
        party = parties.get(str(reference["id"]), reference)
        node = mint(self.base, segment, str(reference["id"]))
        self._add(node, RDF_TYPE.value, ox.NamedNode(_C + kind))
        name = party.get("name") or reference.get("name") or str(reference["id"])
        self._add(node, RDFS_LABEL.value, _text(name))
        self._add(node, DCT + "identifier", ox.Literal(str(reference["id"])))
        return node

    def _add(self, subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal
             ) -> None:
        self.result.add(subject, ox.NamedNode(predicate), obj)

    def _not_disclosed(self, node: ox.NamedNode, name: str) -> None:
        self._add(node, _C + "notDisclosed", ox.NamedNode(_C + name))


_UNREADABLE = object()
_JSON_NAMES: dict[type, str] = {dict: "an object", list: "an array", str: "a string",
                                int: "a number", float: "a number", bool: "true or false"}
_RELEASE_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str, int), "date": (str,), "parties": (list,), "buyer": (dict,), "tender": (dict,),
    "awards": (list,), "contracts": (list,)}
_AWARD_TYPES: dict[str, tuple[type, ...]] = {"id": (str, int), "suppliers": (list,)}
_CONTRACT_TYPES: dict[str, tuple[type, ...]] = {
    "awardID": (str, int), "title": (str,), "description": (str,), "status": (str,),
    "period": (dict,), "value": (dict,), "documents": (list,), "amendments": (list,),
    "amendment": (dict,)}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    name = next((name for kind, name in _JSON_NAMES.items() if isinstance(value, kind)),
                "a value")
    shown = repr(value) if not isinstance(value, dict | list) else ""
    return f"{name} {shown}".rstrip() if shown and len(shown) < 60 else name


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (JSON has no NaN or Infinity); expected an "
                     "amount such as 11000000")


def merge(earlier: Json, later: Json) -> Json:
    """OCDS-style merge: objects key by key, arrays of objects by ``id``; later wins."""
    merged = dict(earlier)
    for key, value in later.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merged[key] = merge(old, value)
        elif (isinstance(value, list) and isinstance(old, list)
              and all(isinstance(v, dict) and "id" in v for v in value + old)):
            by_id = {str(item["id"]): item for item in old}
            for item in value:
                ident = str(item["id"])
                by_id[ident] = merge(by_id[ident], item) if ident in by_id else item
            merged[key] = list(by_id.values())
        else:
            merged[key] = value
    return merged


def _object(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _amendments(contract: Json) -> list[Json]:
    """``amendments`` (OCDS 1.1) or the deprecated single ``amendment`` (1.0)."""
    found = [a for a in _list(contract.get("amendments")) if isinstance(a, dict)]
    if not found and isinstance(contract.get("amendment"), dict):
        found = [contract["amendment"]]
    return found


def _contract_in(release: Json | None, contract_id: Any) -> Json | None:
    if release is None:
        return None
    return next((c for c in _list(release.get("contracts"))
                 if isinstance(c, dict) and str(c.get("id")) == str(contract_id)), None)


def _amount(contract: Json | None) -> float | None:
    value = (contract or {}).get("value")
    amount = value.get("amount") if isinstance(value, dict) else None
    return float(amount) if isinstance(amount, int | float) else None


def _end(contract: Json | None) -> date | None:
    period = (contract or {}).get("period")
    return _day(period.get("endDate")) if isinstance(period, dict) else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def _months(start: date, end: date) -> int:
    """Whole months from start to end, a started month counted (a 1-year term is 12)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (1 if end.day >= start.day else 0) if months >= 0 else 0


def _text(value: Any) -> ox.Literal:
    return ox.Literal(" ".join(str(value).split()))


def _date(day: date) -> ox.Literal:
    return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))


def _decimal(amount: float | int) -> ox.Literal:
    text = str(int(amount)) if float(amount).is_integer() else repr(float(amount))
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))


def _uri(url: Any) -> ox.Literal:
    return ox.Literal(str(url), datatype=ox.NamedNode(XSD + "anyURI"))
