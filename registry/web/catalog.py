"""The DCAT description of the registry itself, served at ``/catalog.ttl``.

A ``dcat:Catalog`` lists one ``dcat:Dataset`` (the registry) whose distributions are the dumps
(``/registry.ttl``, ``.jsonld``, ``.nq``) and whose ``dcat:DataService`` is the SPARQL endpoint,
with publisher, licence and the date the data last changed (the newest loaded graph), so that
data portals can harvest the registry like any other open dataset.
"""

from __future__ import annotations

import rdflib
from rdflib import RDF, RDFS, XSD, BNode, Literal, URIRef

from registry.context import RegistryContext
from registry.namespaces import DCAT, DCT, PREFIXES
from registry.web.dumps import DUMPS, last_loaded

FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
DEFAULT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def catalog_graph(context: RegistryContext, site_url: str, *, static: bool = False,
                  publisher: str = "cityreg publisher",
                  licence: str = DEFAULT_LICENCE) -> rdflib.Graph:
    """The catalogue of the registry published at ``site_url`` (ending in ``/``).

    ``static`` leaves the SPARQL endpoint out: a static site has none.
    """
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.bind("foaf", FOAF)
    catalog = URIRef(site_url + "catalog.ttl#catalog")
    dataset = URIRef(site_url + "catalog.ttl#registry")
    agent = URIRef(site_url + "catalog.ttl#publisher")
    licence_ref = URIRef(licence)
    modified = last_loaded(context.registry.graphs())

    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCT.title, Literal("cityreg smart-city registry catalogue", lang="en")))
    graph.add((catalog, DCT.description, Literal(
        "The registry of a city's smart-city sensors, systems, datasets, organisations, vendor "
        "contracts and data-sharing agreements, as Linked Data.", lang="en")))
    graph.add((catalog, DCT.publisher, agent))
    graph.add((catalog, DCT.license, licence_ref))
    graph.add((catalog, FOAF.homepage, URIRef(site_url)))
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(publisher)))

    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCT.title, Literal("Smart-city registry", lang="en")))
    graph.add((dataset, DCT.description, Literal(
        "Who runs which sensors and systems, which datasets they feed, and which contracts and "
        "agreements give which organisations access to the data; with the sources of every "
        "fact.", lang="en")))
    graph.add((dataset, DCT.publisher, agent))
    graph.add((dataset, DCT.license, licence_ref))
    graph.add((dataset, DCAT.landingPage, URIRef(site_url)))
    if modified is not None:
        graph.add((dataset, DCT.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
    for dump in DUMPS:
        distribution = URIRef(f"{site_url}catalog.ttl#{dump.filename}")
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCT.title, Literal(dump.title, lang="en")))
        graph.add((distribution, DCAT.downloadURL, URIRef(site_url + dump.filename)))
        graph.add((distribution, DCAT.accessURL, URIRef(site_url + dump.filename)))
        graph.add((distribution, DCAT.mediaType,
                   URIRef("https://www.iana.org/assignments/media-types/" + dump.media_type)))
        graph.add((distribution, DCT.license, licence_ref))
    if not static:
        service = URIRef(site_url + "sparql")
        graph.add((service, RDF.type, DCAT.DataService))
        graph.add((service, DCT.title, Literal("SPARQL endpoint (read-only)", lang="en")))
        graph.add((service, DCAT.endpointURL, service))
        graph.add((service, DCT.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
        graph.add((service, DCAT.servesDataset, dataset))
        graph.add((service, DCT.license, licence_ref))
        graph.add((catalog, DCAT.service, service))
        access = BNode()
        graph.add((dataset, DCAT.distribution, access))
        graph.add((access, RDF.type, DCAT.Distribution))
        graph.add((access, RDFS.label, Literal("SPARQL access", lang="en")))
        graph.add((access, DCAT.accessURL, service))
        graph.add((access, DCAT.accessService, service))
    return graph

