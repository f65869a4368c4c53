"""What a reader returns: the record, and what it noticed on the way."""

from __future__ import annotations

from dataclasses import dataclass, field

from coopgraph.converters.record import Record


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the reader could not take as it is: an unknown label, a guessed column."""

    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        place = ":".join(part for part in (str(self.line or ""), self.field or "") if part)
        return f"{place}: {self.message}" if place else self.message


@dataclass
class ParsedRecord:
    """A record with the warnings and notes of its reading."""

    record: Record
    warnings: list[ParseWarning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
