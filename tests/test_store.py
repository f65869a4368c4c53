"""One store test suite, run against the embedded store, `oxigraph serve` and (in CI) Virtuoso."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLES, convert_text, literal_values, sample
from rdflib import Dataset, Graph, URIRef
from servers import oxigraph_server, virtuoso_endpoints

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import QueryError, StoreBusy, StoreUnavailable
from coopgraph.server.load import load_paths
from coopgraph.server.store import EmbeddedStore, RemoteStore, Store
from coopgraph.server.store.base import STATE_QUERY, replace_graph_update

OPTIONS = ConversionOptions()
KINDS = ["embedded", "oxigraph"] + (["virtuoso"] if virtuoso_endpoints() else [])


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as urls:
        yield RemoteStore(urls.query, urls.update, urls.graph_store)


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "store") as embedded:
            yield embedded
        return
    if request.param == "oxigraph":
        remote = request.getfixturevalue("oxigraph")
    else:
        urls = virtuoso_endpoints()
        assert urls is not None
        remote = RemoteStore(urls.query, urls.update)
    _clear(remote)
    yield remote
    _clear(remote)


def _clear(store: Store) -> None:
    for record in list(store.stored_records()):
        store.delete_graph(record.graph)
    store.delete_graph(f"{OPTIONS.base}{Store.META_GRAPH_PATH}")


def _record(name: str) -> tuple[str, str, Graph]:
    conversion = convert_text(sample(name), name)
    return str(conversion.graph_iri), conversion.graph.serialize(format="nt"), conversion.graph


def _select(store: Store, sparql: str) -> list[dict[str, str]]:
    output = io.BytesIO()
    store.query_to(sparql, "json", output)
    rows = json.loads(output.getvalue())["results"]["bindings"]
    return [{key: value["value"] for key, value in row.items()} for row in rows]


def test_replaced_graph_is_listed_with_its_hash(store: Store) -> None:
    iri, ntriples, _ = _record("sale-woippy")
    store.replace_graph(iri, ntriples)
    (stored,) = store.stored_records()
    assert stored.graph == iri
    assert stored.source_hash.startswith("sha256:") and len(stored.source_hash) == 71
    assert stored.converter_version


def test_replacing_a_graph_drops_its_old_triples(store: Store) -> None:
    iri, ntriples, _ = _record("sale-woippy")
    store.replace_graph(iri, ntriples)
    store.replace_graph(iri, ntriples.replace("Woippy", "Woippy-Nouveau"))
    titles = _select(
        store,
        "SELECT ?l WHERE { GRAPH ?g { ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } "
        "FILTER(CONTAINS(?l, 'Woippy')) }",
    )
    assert {row["l"] for row in titles} == {"Woippy-Nouveau"}


def test_delete_removes_exactly_its_graph_and_keeps_shared_facts(store: Store) -> None:
    sale_iri, sale, _ = _record("sale-woippy")
    rabat_iri, rabat, rabat_graph = _record("rabat-mantes-la-jolie")
    store.replace_graph(sale_iri, sale)
    store.replace_graph(rabat_iri, rabat)
    assert store.delete_graph(sale_iri) is True
    assert store.delete_graph(sale_iri) is False
    assert [r.graph for r in store.stored_records()] == [rabat_iri]
    # the embassy is asserted by both records: it survives the deletion of one
    embassy = f"{OPTIONS.base}id/organisation/ambassade-de-france-a-rabat"
    assert store.describe(embassy)
    assert not _select(
        store, "SELECT * WHERE { ?s ?p <http://localhost:5000/id/organisation/mar/sale> }"
    )
    stored = Dataset()
    output = io.BytesIO()
    store.dump(output, "nquads")
    stored.parse(data=output.getvalue().decode(), format="nquads")
    assert literal_values(stored.graph(URIRef(rabat_iri))) == literal_values(rabat_graph)


def test_queries_see_the_union_of_record_graphs(store: Store) -> None:
    for name in ("sale-woippy", "rabat-mantes-la-jolie"):
        iri, ntriples, _ = _record(name)
        store.replace_graph(iri, ntriples)
    rows = _select(
        store,
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT ?p WHERE { ?p a coop:Partnership } ORDER BY ?p",
    )
    assert [row["p"].rsplit("/", 1)[1] for row in rows] == ["rabat-mantes-la-jolie", "sale-woippy"]


@pytest.mark.parametrize("result_format", ["csv", "tsv", "xml", "json"])
def test_results_formats(store: Store, result_format: str) -> None:
    iri, ntriples, _ = _record("sale-woippy")
    store.replace_graph(iri, ntriples)
    output = io.BytesIO()
    store.query_to("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", result_format, output)
    assert iri in output.getvalue().decode()


def test_stats(store: Store) -> None:
    iri, ntriples, graph = _record("sale-woippy")
    store.replace_graph(iri, ntriples)
    figures = store.stats()
    assert (figures.records, figures.triples) == (1, len(graph))
    assert figures.graphs >= 1  # Virtuoso keeps graphs of its own


@pytest.mark.usefixtures("fixed_conversion_time")
def test_the_state_is_new_after_every_write_even_with_as_many_records(store: Store) -> None:
    """`STATE_QUERY` tells each write through coopgraph apart, so that servers over the store
    retire their kept answers: a delete and an add in the same second leave as many records,
    with the same latest `prov:generatedAtTime` (both samples converted at one fixed time), and
    still a new state."""

    def state() -> dict[str, str]:
        (row,) = store.select(STATE_QUERY)
        # no part lost to an unbound MAX: only an empty store has no latest record
        assert set(row) == {"graphs", "loaded"} | ({"last"} if row["graphs"] != "0" else set())
        return row

    def write(change: Callable[[], object]) -> dict[str, str]:
        change()
        store.stamp_last_load(OPTIONS.base)
        return state()

    (a, a_triples, _), (b, b_triples, _) = _record("sale-woippy"), _record("rabat-mantes-la-jolie")
    seen = [write(lambda: store.replace_graph(a, a_triples))]
    seen.append(write(lambda: store.delete_graph(a)))
    seen.append(write(lambda: store.replace_graph(b, b_triples)))
    seen.append(write(lambda: store.replace_graph(b, b_triples)))
    assert [row["graphs"] for row in seen] == ["1", "0", "1", "1"]
    assert seen[0]["last"] == seen[2]["last"]
    assert len({tuple(sorted(row.items())) for row in seen}) == len(seen), seen


def test_bad_query_and_update_are_query_errors(store: Store) -> None:
    with pytest.raises(QueryError):
        store.query_to("SELEC nothing", "json", io.BytesIO())
    with pytest.raises(QueryError):
        store.update("INSERT NOTHING")


def test_load_skips_unchanged_and_replaces_changed(store: Store, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("sale-woippy", "rabat-mantes-la-jolie"):
        (pages / f"{name}.txt").write_bytes((SAMPLES / f"{name}.txt").read_bytes())
    files = sorted(pages.iterdir())
    first = load_paths(files, store, OPTIONS, jobs=1)
    assert (first.loaded, first.unchanged) == (2, 0)
    again = load_paths(files, store, OPTIONS, jobs=1)
    assert (again.loaded, again.unchanged) == (0, 2)
    sale = pages / "sale-woippy.txt"
    sale.write_text(sale.read_text().replace("Les bénéficiaires directs", "Les habitants"))
    changed = load_paths(files, store, OPTIONS, jobs=1)
    assert (changed.loaded, changed.unchanged) == (1, 1)
    rows = _select(
        store, "SELECT ?b WHERE { ?p <https://w3id.org/coopgraph/ontology#beneficiaries> ?b }"
    )
    assert sorted(row["b"][:14] for row in rows) == ["Les agents des", "Les habitants "]
    assert store.stats().last_load is not None


def test_record_with_violations_is_refused_unless_forced(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        sample("sale-woippy")
        .replace("Titre\nAssistance", "Titre\n\nX\nAssistance")
        .replace("Année de début du partenariat\n2005", "Année de début du partenariat\n20x5")
    )
    refused = load_paths([bad], store, OPTIONS, jobs=1)
    assert (refused.loaded, refused.refused, refused.exit_code) == (0, 1, 1)
    assert list(store.stored_records()) == []
    forced = load_paths([bad], store, OPTIONS, jobs=1, force=True)
    assert (forced.loaded, forced.forced) == (1, 1)


def test_unreachable_endpoint_is_a_clear_error() -> None:
    from servers import free_port

    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query")
    with pytest.raises(StoreUnavailable, match="cannot reach the SPARQL store"):
        store.stats()


def test_second_writer_on_an_embedded_store_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    with EmbeddedStore(tmp_path / "store"):
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "from pathlib import Path; from coopgraph.server.store import "
                f"EmbeddedStore; EmbeddedStore(Path({str(tmp_path / 'store')!r}))",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert "StoreBusy" in other.stderr and "in use by another coopgraph process" in other.stderr


def test_store_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot open the store"):
        EmbeddedStore(tmp_path / "file")
    _ = StoreBusy


def test_load_keeps_the_ontology_in_its_graph_once(store: Store, tmp_path: Path) -> None:
    from coopgraph.server.load import ensure_ontology

    store.delete_graph("https://w3id.org/coopgraph/ontology")
    assert ensure_ontology(store) is True
    assert ensure_ontology(store) is False  # unchanged: no work
    rows = _select(
        store,
        "SELECT ?label WHERE { GRAPH <https://w3id.org/coopgraph/ontology> { "
        "<https://w3id.org/coopgraph/vocab/status/en-cours> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } }",
    )
    assert {row["label"] for row in rows} == {"En cours", "Ongoing"}


def test_a_read_only_store_closes_cleanly(tmp_path: Path) -> None:
    from coopgraph.server.store import EmbeddedStore

    with EmbeddedStore(tmp_path / "store"):
        pass
    with EmbeddedStore(tmp_path / "store", read_only=True) as store:
        assert store.stats().records == 0


def test_a_triple_two_records_assert_is_counted_once(tmp_path: Path) -> None:
    """The embedded store's default graph is the RDF merge of the record graphs: a set.

    pyoxigraph 0.5's union of named graphs counts a triple once per graph that holds it
    (oxigraph issue 1919: COUNT and SUM over shared resources came out inflated), so the
    embedded store keeps the merge itself, in its default graph. A remote store answers with
    its own union (`oxigraph serve --union-default-graph` has the same defect): README.
    """
    store = EmbeddedStore(tmp_path / "store")
    for name in ("sale-woippy", "rabat-mantes-la-jolie"):
        iri, ntriples, _ = _record(name)
        store.replace_graph(iri, ntriples)
    embassy = f"{OPTIONS.base}id/organisation/ambassade-de-france-a-rabat"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{embassy}> a ?class }}"
    per_graph = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ <{embassy}> a ?c }} }}"
    assert int(_select(store, query)[0]["n"]) == int(_select(store, per_graph)[0]["n"]) > 0
    sale_iri, _, _ = _record("sale-woippy")
    store.delete_graph(sale_iri)  # the other record still asserts it
    assert int(_select(store, query)[0]["n"]) == int(_select(store, per_graph)[0]["n"]) > 0
    store.close()


def test_an_older_store_is_merged_by_the_next_load(tmp_path: Path) -> None:
    """A store written before the merge was kept: queried through pyoxigraph's union until a
    load fills its default graph, after which shared triples count once."""
    path = tmp_path / "store"
    old = ox.Store(str(path))
    for name in ("sale-woippy", "rabat-mantes-la-jolie"):
        iri, ntriples, _ = _record(name)
        old.update(replace_graph_update(iri, ntriples))  # what older versions wrote
    del old
    embassy = f"{OPTIONS.base}id/organisation/ambassade-de-france-a-rabat"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{embassy}> a ?class }}"
    with EmbeddedStore(path) as store:
        assert int(_select(store, query)[0]["n"]) > 1  # the union's double count
        assert store.merge_default_graph() is True
        assert store.merge_default_graph() is False
        assert int(_select(store, query)[0]["n"]) == 1


def _quads_but_the_stamp(path: Path) -> set[ox.Quad]:
    meta = ox.NamedNode(f"{OPTIONS.base}{Store.META_GRAPH_PATH}")
    return {quad for quad in ox.Store.read_only(str(path)) if quad.graph_name != meta}


def test_a_first_load_in_bulk_stores_what_a_load_record_by_record_does(tmp_path: Path) -> None:
    """A first load spools its records, then bulk-loads them (each in its graph and in the
    default graph) once all are validated, telling how far it is: the store it leaves holds
    exactly what one transaction a record writes, and nothing is left beside it."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("sale-woippy", "rabat-mantes-la-jolie"):
        (pages / f"{name}.txt").write_bytes((SAMPLES / f"{name}.txt").read_bytes())
    files = sorted(pages.iterdir())
    told: list[tuple[int, int]] = []
    with EmbeddedStore(tmp_path / "bulk") as bulk:
        summary = load_paths(
            files, bulk, OPTIONS, jobs=1, stored=lambda n, of: told.append((n, of))
        )
    assert summary.loaded == 2 and told == [(1, 2), (2, 2)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [".bulk.lock", "bulk", "pages"]
    with EmbeddedStore(tmp_path / "one") as one:
        load_paths(
            files, one, OPTIONS, jobs=1, bulk=False, stored=lambda n, of: told.append((n, of))
        )
    assert told == [(1, 2), (2, 2)]  # one transaction a record: stored as they come
    by_record = _quads_but_the_stamp(tmp_path / "one")
    assert any(quad.graph_name == ox.DefaultGraph() for quad in by_record)
    assert _quads_but_the_stamp(tmp_path / "bulk") == by_record
