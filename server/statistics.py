"""The VoID figures of a store's record graphs, from a few SELECTs that run on any SPARQL store.

The record graphs are the named graphs that describe themselves with `foaf:primaryTopic`: the
ontology graph and the loader's bookkeeping graph are not the dataset. A triple counts once for
each record graph that asserts it (as in the dumps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rdflib.namespace import FOAF, PROV

from coopgraph.ontology import COOP


@dataclass(frozen=True)
class DatasetStatistics:
    """The VoID figures of the record graphs, and when the newest record was converted."""

    triples: int  # quads in record graphs
    entities: int  # distinct subjects that are IRIs
    distinct_subjects: int
    distinct_objects: int
    properties: int
    classes: int
    graphs: int  # record graphs
    records: int  # coop:Partnership instances
    class_partitions: tuple[tuple[str, int], ...]  # (class IRI, distinct instances)
    property_partitions: tuple[tuple[str, int], ...]  # (property IRI, triples)
    last_modified: datetime | None  # max prov:generatedAtTime of the record graphs


# The record graphs, listed once and joined: a FILTER EXISTS per quad costs ten times more.
_RECORD_GRAPHS = (
    f"{{ SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g <{FOAF.primaryTopic}> ?topic }} }} }}"
)
#: Quads, distinct subjects, and the IRIs among them (twice as fast as a COUNT(DISTINCT) of a
#: conditional expression over every quad).
SUBJECTS_QUERY = (
    "SELECT (SUM(?quads) AS ?triples) (COUNT(*) AS ?subjects) "
    "(SUM(IF(isIRI(?s), 1, 0)) AS ?entities) WHERE { SELECT ?s (COUNT(*) AS ?quads) "
    f"WHERE {{ {_RECORD_GRAPHS} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?s }}"
)
OBJECTS_QUERY = (
    "SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(DISTINCT ?o) AS ?objects) "
    f"WHERE {{ {_RECORD_GRAPHS} GRAPH ?g {{ ?s ?p ?o }} }}"
)
CLASS_PARTITIONS_QUERY = (
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) "
    f"WHERE {{ {_RECORD_GRAPHS} GRAPH ?g {{ ?s a ?class }} }} GROUP BY ?class ORDER BY ?class"
)
PROPERTY_PARTITIONS_QUERY = (
    "SELECT ?p (COUNT(*) AS ?triples) "
    f"WHERE {{ {_RECORD_GRAPHS} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?p ORDER BY ?p"
)
LAST_MODIFIED_QUERY = (
    "SELECT (MAX(?generated) AS ?modified) WHERE { GRAPH ?g { "
    f"?g <{FOAF.primaryTopic}> ?topic ; <{PROV.generatedAtTime}> ?generated }} }}"
)


def dataset_statistics(select: Callable[[str], list[dict[str, Any]]]) -> DatasetStatistics:
    """The figures of the record graphs, from five SELECTs that `select` runs on any store.

    `select` returns rows of variable → Python value, rdflib term or lexical form.
    """
    subjects = next(iter(select(SUBJECTS_QUERY)), {})
    objects = next(iter(select(OBJECTS_QUERY)), {})
    last = next(iter(select(LAST_MODIFIED_QUERY)), {})
    classes = tuple(
        (str(row["class"]), _int(row["entities"])) for row in select(CLASS_PARTITIONS_QUERY)
    )
    properties = tuple(
        (str(row["p"]), _int(row["triples"])) for row in select(PROPERTY_PARTITIONS_QUERY)
    )
    return DatasetStatistics(
        triples=_int(subjects.get("triples")),
        entities=_int(subjects.get("entities")),
        distinct_subjects=_int(subjects.get("subjects")),
        distinct_objects=_int(objects.get("objects")),
        properties=len(properties),
        classes=len(classes),
        graphs=_int(objects.get("graphs")),
        records=dict(classes).get(str(COOP.Partnership), 0),
        class_partitions=classes,
        property_partitions=properties,
        last_modified=_datetime(last.get("modified")),
    )


def _int(value: Any) -> int:
    """A count from a number, an rdflib literal or a lexical form; 0 when unbound."""
    return 0 if value is None else int(str(value))


def _datetime(value: Any) -> datetime | None:
    """An xsd:dateTime from a datetime, an rdflib literal or a lexical form."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
