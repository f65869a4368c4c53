"""Media types chosen for SPARQL answers: format parameter, Accept with q-values, 406."""

from __future__ import annotations

import pytest

from coopgraph.errors import NotAcceptable
from coopgraph.server.negotiation import RDF_GRAPHS, SPARQL_RESULTS, negotiate


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        (
            "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9",
            "text/tab-separated-values",
        ),
        ("text/html;q=1.0, text/*;q=0.5", "text/csv"),
        ("application/json, application/sparql-results+json", "application/sparql-results+json"),
    ],
)
def test_accept_with_q_values(accept: str | None, chosen: str) -> None:
    assert negotiate(SPARQL_RESULTS, accept) == chosen


@pytest.mark.parametrize(
    ("format_", "chosen"),
    [
        ("csv", "text/csv"),
        ("json", "application/sparql-results+json"),
        ("srx", "application/sparql-results+xml"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_format_parameter_wins_over_accept(format_: str, chosen: str) -> None:
    assert negotiate(SPARQL_RESULTS, "application/sparql-results+json", format_) == chosen


@pytest.mark.parametrize(
    ("format_", "chosen"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
    ],
)
def test_rdf_formats(format_: str, chosen: str) -> None:
    assert negotiate(RDF_GRAPHS, None, format_) == chosen


def test_nothing_acceptable_is_406() -> None:
    with pytest.raises(NotAcceptable) as error:
        negotiate(SPARQL_RESULTS, "image/png")
    assert error.value.status == 406
    with pytest.raises(NotAcceptable, match="format 'yaml'"):
        negotiate(RDF_GRAPHS, None, "yaml")


def test_every_negotiated_media_type_has_a_writer() -> None:
    from coopgraph.server.store.embedded import GRAPH_WRITERS, RESULT_WRITERS

    assert set(SPARQL_RESULTS) == set(RESULT_WRITERS)
    assert set(RDF_GRAPHS) == set(GRAPH_WRITERS)
