"""Records as JSON: the committed schema, round trips, and errors that name the field."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, convert_text

from coopgraph.converters.jsonrecord import parse_json, record_json, record_schema
from coopgraph.errors import InputError, InvalidRecord


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((ROOT / "converters" / "record.schema.json").read_text())
    assert committed == record_schema(), "run: coopgraph schema > converters/record.schema.json"


def test_page_record_round_trips_through_json(rabat: str) -> None:
    record = convert_text(rabat).record
    assert parse_json(record_json(record), source="x").record == record


def test_programs_may_send_numbers_for_years() -> None:
    record = parse_json('{"identifier": "p1", "start_year": 2019}', source="x").record
    assert record.start_year == "2019"


def test_malformed_json_is_a_syntax_error_not_an_invalid_record() -> None:
    with pytest.raises(InputError) as error:
        parse_json('{\n  "identifier": "x",\n  "title": \n}', source="rec.json")
    assert not isinstance(error.value, InvalidRecord)
    assert (error.value.source, error.value.line, error.value.status) == ("rec.json", 4, 400)
    assert str(error.value).startswith("rec.json:4: malformed JSON")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"identifier": "x", "titel": "y"}', "titel"),
        (
            '{"identifier": "x", "funding": [{"funder": "A", "amount_eur": "beaucoup"}]}',
            "funding.0.amount_eur",
        ),
        ('{"title": "no id"}', "identifier"),
        ("[1, 2]", None),
    ],
)
def test_invalid_json_records(text: str, field: str | None) -> None:
    with pytest.raises(InvalidRecord) as error:
        parse_json(text, source="rec.json")
    assert error.value.source == "rec.json"
    assert error.value.field == field
    assert error.value.status == 422
