"""Records as JSON: the committed schema, round trips, and errors that name the field."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, convert_text

from coopgraph.converters.jsonrecord import parse_json, record_json, record_schema
from coopgraph.errors import InvalidRecord


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((ROOT / "converters" / "record.schema.json").read_text())
    assert committed == record_schema(), "run: coopgraph schema > converters/record.schema.json"


def test_page_record_round_trips_through_json(rabat: str) -> None:
    record = convert_text(rabat).record
    assert parse_json(record_json(record), source="x").record == record


def test_programs_may_send_numbers_for_years() -> None:
    record = parse_json('{"identifier": "p1", "start_year": 2019}', source="x").record
    assert record.start_year == "2019"


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ('{"identifier": "x", "titel": "y"}', "titel", None),
        (
            '{"identifier": "x", "funding": [{"funder": "A", "amount_eur": "beaucoup"}]}',
            "funding.0.amount_eur",
            None,
        ),
        ('{"title": "no id"}', "identifier", None),
        ('{\n  "identifier": "x",\n  "title": \n}', None, 4),
        ("[1, 2]", None, None),
    ],
)
def test_invalid_json_records(text: str, field: str | None, line: int | None) -> None:
    with pytest.raises(InvalidRecord) as error:
        parse_json(text, source="rec.json")
    assert error.value.source == "rec.json"
    assert error.value.field == field
    assert error.value.line == line
    assert error.value.status == 422
