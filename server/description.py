"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

Its result formats come from the negotiation tables, so what the description promises is what
the endpoint serves. The endpoint IRI must be absolute and as clients see it (behind a reverse
proxy: Werkzeug's ProxyFix turns X-Forwarded-Proto/Host/Prefix into the request's URL).
"""

from __future__ import annotations

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from coopgraph.server.negotiation import RDF_GRAPHS, SPARQL_RESULTS

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

#: W3C format IRIs (http://www.w3.org/ns/formats/) of the media types we serve.
FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/trig": FORMATS.TriG,
    "application/n-quads": FORMATS["N-Quads"],
}


def service_description(endpoint: str, *, title: str = "coopgraph SPARQL endpoint") -> Graph:
    """The sd:Service of a read-only SPARQL 1.1 query endpoint at the absolute IRI `endpoint`."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"the endpoint IRI must be absolute: {endpoint!r}")
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    graph.bind("dct", DCTERMS)
    service = URIRef(f"{endpoint}#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, DCTERMS.title, Literal(title, lang="en")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))  # read-only: no SPARQL11Update
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    for media_type in (*SPARQL_RESULTS, *RDF_GRAPHS):
        graph.add((service, SD.resultFormat, FORMAT_IRIS[media_type]))
    dataset, default_graph = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    return graph
