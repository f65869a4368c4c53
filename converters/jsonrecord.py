"""Records as JSON, for programs that submit them: the `Record` dataclass, validated by pydantic.

The JSON Schema in `record.schema.json` is generated from the dataclasses (`coopgraph schema`),
and a test keeps the committed file equal to what the code generates.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from coopgraph.converters.parsed import ParsedRecord
from coopgraph.converters.record import Record
from coopgraph.converters.text import load_json
from coopgraph.errors import InvalidRecord

SCHEMA_ID = "https://w3id.org/coopgraph/schema/record.schema.json"


@cache
def _adapter() -> TypeAdapter[Record]:
    return TypeAdapter(Record)


def record_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a record as JSON."""
    schema = _adapter().json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "coopgraph Atlas partnership record",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def parse_json(text: str, *, source: str) -> ParsedRecord:
    """A record from its JSON form; errors name the line and column, or the field."""
    data = load_json(text, source=source)
    try:
        record = _adapter().validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise InvalidRecord(
            f"{first['msg']}{more}",
            source=source,
            field=field,
            hint=f"see the record schema {SCHEMA_ID}",
        ) from error
    return ParsedRecord(record)


def _plain(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def record_json(record: Record) -> str:
    """A record as JSON, in the form `parse_json` reads."""
    data = json.loads(json.dumps(asdict(record), default=_plain))
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
