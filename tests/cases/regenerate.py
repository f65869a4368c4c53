"""Rewrite a golden case's expected.ttl (and input.json) from the current converter.

Run only after a reviewed change of the mapping: `python tests/cases/regenerate.py CASE...`;
then read the diff of expected.ttl line by line before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import CASES, content, convert_text

from coopgraph.converters.jsonrecord import record_json

for name in sys.argv[1:]:
    case = CASES / name
    conversion = convert_text((case / "input.txt").read_bytes(), identifier=name)
    (case / "expected.ttl").write_text(content(conversion).serialize(format="turtle"))
    (case / "input.json").write_text(record_json(conversion.record), encoding="utf-8")
    print(f"{name}: {len(conversion.graph)} triples, warnings: {conversion.warnings}")
