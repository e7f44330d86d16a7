"""Issue #16 on the seed: nobody the registry connects to a dataset vanishes from its trace.

For every dataset of the seed, every organisation the registry names as a party, buyer,
supplier, developer, maintainer, operator, owner, host, publisher, controller, processor,
sub-processor, provider or recipient of something connected to the dataset (the dataset
itself, what feeds or uses it, contracts and agreements covering it or such a system, flows
sharing it) must appear in ``whoCanAccess`` with a grade. The one accepted reason to be absent
is checked, not assumed: the organisation is connected only as the recipient of a data flow
whose provider received the dataset on terms that forbid passing it on.

The connections are found here with one SPARQL query, independently of registry/flows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from registry.flows import AccessGraph
from registry.resources import seed_dir
from registry.store import Registry

CONNECTED = """
PREFIX cityreg: <https://w3id.org/cityreg#>
PREFIX dpv: <https://w3id.org/dpv#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX ssn: <http://www.w3.org/ns/ssn/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?dataset ?org ?prop ?entity WHERE {
  ?dataset a dcat:Dataset .
  { ?dataset a dcat:Dataset . BIND(?dataset AS ?entity) }
  UNION { ?entity cityreg:feedsDataset|cityreg:usesDataset|cityreg:coversDataset
                  |cityreg:sharesDataset ?dataset }
  UNION { ?entity cityreg:usesSensor|cityreg:usesSystem|ssn:deployedSystem ?feeder .
          ?feeder cityreg:feedsDataset ?dataset }
  UNION { ?entity cityreg:coversSystem ?system .
          ?system cityreg:feedsDataset|cityreg:usesDataset|(cityreg:usesSensor/cityreg:feedsDataset)
                  ?dataset }
  UNION { ?entity cityreg:hasDataFlow/cityreg:sharesDataset ?dataset }
  UNION { ?entity cityreg:parentContract+/cityreg:coversDataset ?dataset }
  VALUES ?prop { cityreg:hasParty cityreg:buyer cityreg:supplier cityreg:developer
                 cityreg:maintainer cityreg:operator cityreg:owner cityreg:hostedBy dct:publisher
                 dpv:hasDataController dpv:hasDataProcessor cityreg:hasSubProcessor
                 dpv:hasRecipient dpv:hasThirdParty cityreg:provider cityreg:recipient
                 prov:wasAttributedTo }
  ?entity ?prop ?org .
  ?org a ?type .
  FILTER(?type IN (cityreg:Agency, cityreg:Company, cityreg:OtherOrganisation,
                   org:Organization))
}
"""
RECIPIENT = "https://w3id.org/cityreg#recipient"
PARTY = "https://w3id.org/cityreg#hasParty"


@pytest.fixture(scope="module")
def seed() -> Iterator[tuple[Registry, AccessGraph]]:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        yield registry, AccessGraph.from_registry(registry)


def connections(registry: Registry) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """dataset -> organisation -> {(property, entity)} of every connection."""
    found: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    for row in registry.select(CONNECTED):
        found[str(row["dataset"])][str(row["org"])].add((str(row["prop"]), str(row["entity"])))
    return found


def stopped_by_onward_sharing(graph: AccessGraph, dataset: str, org: str,
                              links: set[tuple[str, str]]) -> bool:
    """True when ``org`` is connected only as a party to, or recipient of, data flows whose
    providers hold ``dataset`` on terms that forbid passing it on."""
    result = graph.who_can_access(dataset)
    flows = [hop for hop in graph.data_flows(to_iri=org) if hop.dataset == dataset]
    if not flows or any(prop not in {RECIPIENT, PARTY} for prop, _ in links):
        return False
    for hop in flows:
        provider = result.for_organisation(hop.source)
        if provider is None or any(path.hops[-1].onward_sharing != "not allowed"
                                   for path in provider.paths):
            return False
    return True


def test_every_connected_organisation_appears_with_a_grade(
        seed: tuple[Registry, AccessGraph]) -> None:
    registry, graph = seed
    missing: list[str] = []
    checked = 0
    for dataset, organisations in sorted(connections(registry).items()):
        result = graph.who_can_access(dataset)
        for org, links in sorted(organisations.items()):
            checked += 1
            access = result.for_organisation(org)
            if access is not None:
                assert access.grade in {"asserted", "inferred", "undisclosed"}
                continue
            if not stopped_by_onward_sharing(graph, dataset, org, links):
                missing.append(f"{graph.label(org)} not in the trace of {graph.label(dataset)} "
                               f"though linked by {sorted(links)}")
    assert missing == []
    assert checked >= 40


def test_the_onward_sharing_exception_is_real(seed: tuple[Registry, AccessGraph]) -> None:
    """The CivicLab start-up is a recipient of the station footage, from a university that may
    not pass it on: it is the one absence the first test accepts, and the trace shows why."""
    registry, graph = seed
    footage = "https://w3id.org/cityreg/id/nordhaven/dataset/station-camera-footage"
    startup = "https://w3id.org/cityreg/id/nordhaven/company/civic-startup"
    links = connections(registry)[footage][startup]
    assert graph.who_can_access(footage).for_organisation(startup) is None
    assert stopped_by_onward_sharing(graph, footage, startup, links)


def test_nordhavens_disclosed_chain_is_all_asserted_with_no_gap(
        seed: tuple[Registry, AccessGraph]) -> None:
    _, graph = seed
    footage = "https://w3id.org/cityreg/id/nordhaven/dataset/station-camera-footage"
    result = graph.who_can_access(footage)
    assert result.fully_disclosed
    assert {hop.grade for access in result.organisations for path in access.paths
            for hop in path.hops} == {"asserted"}
    assert [access.label for access in result.organisations] == [
        "Nordhaven City Council (fictional)", "Nordhaven Transit (fictional)",
        "Footfall Analytics Ltd (fictional)", "Nordhaven University (fictional)",
        "AdReach Data Brokers (fictional)", "Billboard Media Group (fictional)"]
