"""The common input of the page parser: the visible lines of a page, from text or HTML."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    """One visible line of an Atlas page.

    `number` is the 1-based line in the source file (for HTML, the line where the element starts).
    `cells` holds the table cells when the source knows them (HTML tables, tab-separated text);
    `None` means the line is plain text whose columns, if any, must be guessed.
    """

    text: str
    number: int
    cells: tuple[str, ...] | None = None
