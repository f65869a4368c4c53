"""Property-based: no input crashes the readers with anything but coopgraph's own error type."""

from __future__ import annotations

from conftest import convert_text, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopgraph.converters.page import FLAGS, LONG_TEXTS, SINGLE_VALUES, TABLES
from coopgraph.errors import CoopgraphError

LABELS = [*SINGLE_VALUES, *LONG_TEXTS, *TABLES, *FLAGS, "PIED DE PAGE", "Maître(s) d'ouvrage"]
REAL_LINES = sample("rabat-mantes-la-jolie").split("\n") + sample("sale-woippy").split("\n")
LINE = st.one_of(
    st.sampled_from(LABELS),
    st.sampled_from(REAL_LINES),
    st.text(max_size=80),
    st.from_regex(
        r"[A-Za-zé' ]{1,30} -?\d{1,7}([.,]\d{1,3})? (\d{3,5} ){0,3}\d{2,5}", fullmatch=True
    ),
)
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _convert_or_own_error(data: bytes | str, suffix: str) -> None:
    try:
        conversion = convert_text(data, suffix=suffix)
    except CoopgraphError as error:
        assert str(error)  # every error says something
        return
    assert len(conversion.graph) > 0


@QUICK
@given(st.binary(max_size=2000))
def test_any_bytes(data: bytes) -> None:
    _convert_or_own_error(data, ".txt")


@QUICK
@given(st.lists(LINE, max_size=120))
def test_any_arrangement_of_labels_and_lines(lines: list[str]) -> None:
    _convert_or_own_error("\n".join(lines), ".txt")


@QUICK
@given(st.lists(LINE, max_size=60), st.sampled_from(["<p>", "<td>", "<tr><td>", "<br>", "</div>"]))
def test_any_html(lines: list[str], tag: str) -> None:
    _convert_or_own_error("<html><body>" + tag.join(lines), ".html")


@QUICK
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["identifier", "title", "funding", "x"]), children)
        ),
        max_leaves=12,
    )
)
def test_any_json(value: object) -> None:
    import json

    _convert_or_own_error(json.dumps(value), ".json")


@QUICK
@given(st.integers(min_value=0, max_value=len(sample("sale-woippy"))))
def test_any_truncation_of_a_real_page(cut: int) -> None:
    _convert_or_own_error(sample("sale-woippy")[:cut], ".txt")
