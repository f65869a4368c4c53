"""The coopgraph SHACL shapes (shapes.ttl, countries.ttl), ready for pyshacl.

`shapes_graph()` loads the Turtle files shipped in the package, fills in the range of plausible
years and switches the privacy shape off when publishing people is on. Running the validation and
writing reports live in other modules.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

from rdflib import RDF, Graph, Literal, Namespace

SHAPES = Namespace("https://w3id.org/coopgraph/shapes#")
SH = Namespace("http://www.w3.org/ns/shacl#")

#: Stands in shapes.ttl for the regex of plausible years, which depends on today's date.
YEAR_PLACEHOLDER = "__YEAR_PATTERN__"
#: The first plausible year of a partnership, a signature or a funding.
FIRST_YEAR = 1950
#: The privacy shape: no person's name or e-mail unless publishing people is on.
PRIVACY_SHAPE = SHAPES["PersonPrivacy"]
SHAPE_FILES = ("shapes.ttl", "countries.ttl")


def _digits(low: int, high: int) -> str:
    """One digit position accepting low..high."""
    return str(low) if low == high else f"[{low}-{high}]"


def _same_length(low: str, high: str) -> list[str]:
    """Alternatives matching exactly the numbers low..high, both written with as many digits."""
    if low == high:
        return [low]
    if len(low) == 1:
        return [_digits(int(low), int(high))]
    if low[0] == high[0]:
        return [low[0] + rest for rest in _same_length(low[1:], high[1:])]
    width = len(low) - 1
    parts: list[str] = []
    first, last = int(low[0]), int(high[0])
    if low[1:] != "0" * width:  # low's first digit needs a partial range of its own
        parts += [low[0] + rest for rest in _same_length(low[1:], "9" * width)]
        first += 1
    partial_high = high[1:] != "9" * width
    if partial_high:
        last -= 1
    if first <= last:
        parts.append(_digits(first, last) + "[0-9]" * width)
    if partial_high:
        parts += [high[0] + rest for rest in _same_length("0" * width, high[1:])]
    return parts


def year_pattern(first: int, last: int) -> str:
    """A regex matching exactly the integers first..last, written without leading zeros."""
    if not 0 <= first <= last:
        raise ValueError(f"need 0 <= first <= last, got {first}..{last}")
    parts: list[str] = []
    low = first
    while low <= last:
        # split at each change of length: 1950..12345 is 1950..9999 and 10000..12345
        high = min(last, 10 ** len(str(low)) - 1)
        parts += _same_length(str(low), str(high))
        low = high + 1
    return f"^({'|'.join(parts)})$"


def shapes_graph(*, publish_personal_data: bool = False) -> Graph:
    """The shapes graph for pyshacl; shared and cached, so the caller must not modify it."""
    return _shapes_graph(publish_personal_data, date.today().year + 1)


@cache
def _shapes_graph(publish_personal_data: bool, last_year: int) -> Graph:
    """The shapes for one privacy setting and one range of years (a new year reloads them)."""
    graph = Graph(bind_namespaces="core")
    package = resources.files(__name__)
    for name in SHAPE_FILES:
        graph.parse(data=(package / name).read_text(encoding="utf-8"), format="turtle")
    pattern = year_pattern(FIRST_YEAR, last_year)
    # sh:pattern values, and the guards of SPARQL constraints that compare years
    for subject, predicate, value in list(graph):
        if isinstance(value, Literal) and YEAR_PLACEHOLDER in value:
            filled = Literal(str(value).replace(YEAR_PLACEHOLDER, pattern))
            graph.remove((subject, predicate, value))
            graph.add((subject, predicate, filled))
    if (PRIVACY_SHAPE, RDF.type, SH.NodeShape) not in graph:
        raise RuntimeError(f"{PRIVACY_SHAPE} is missing from the shipped shapes")
    if publish_personal_data:
        graph.set((PRIVACY_SHAPE, SH.deactivated, Literal(True)))
    return graph


__all__ = ["SHAPES", "shapes_graph", "year_pattern"]
