"""The first solutions of SPARQL 1.1 JSON results as they arrive, without reading the rest.

A remote store's answer to a SELECT may be far larger than the row cap: this reads it one
solution at a time (`json`'s `raw_decode` on a growing buffer) and stops one past the cap.
Terms are normalised on the way to what pyoxigraph reads and the embedded store writes:
`typed-literal` (the 2007 note's type, which Virtuoso still writes) becomes `literal`, an
`xsd:string` datatype is dropped, and blank nodes are relabelled `b0`, `b1`… within the answer
(Virtuoso's `nodeID://b10001` is no blank node label).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass
class Solutions:
    """The head and the first solutions of a SELECT, or the answer of an ASK."""

    variables: list[str] | None = None  # None until the head is read
    bindings: list[dict[str, dict[str, str]]] = field(default_factory=list)
    boolean: bool | None = None
    more: bool = False  # there were solutions past the cap

    def to_json(self) -> bytes:
        """The SPARQL 1.1 JSON results document, as the embedded store's workers write it."""
        if self.boolean is not None:
            document: dict[str, Any] = {"head": {}, "boolean": self.boolean}
        else:
            head = {"vars": self.variables or []}
            document = {"head": head, "results": {"bindings": self.bindings}}
        return json.dumps(document, ensure_ascii=False).encode("utf-8")


class _Reader:
    """JSON values read one at a time from a stream of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.ended = False

    def _more(self, wanted: int = 1) -> bool:
        """Read until at least `wanted` more characters are buffered; False at the end."""
        self.text, self.pos = self.text[self.pos :], 0
        goal = len(self.text) + wanted
        while len(self.text) < goal:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.text += self._utf8.decode(b"", final=True)
                self.ended = True
                return False
            self.text += self._utf8.decode(chunk)
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def punctuation(self, expected: str) -> str:
        """One of the characters of `expected`, consumed."""
        found = self.peek()
        if not found or found not in expected:
            raise ValueError(f"expected one of {expected!r} at {found!r}")
        self.pos += 1
        return found

    def value(self) -> Any:
        """The next JSON value, read whole (more chunks are read until it is)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if self.ended:
                    raise
                # Twice what is buffered before trying again: linear, even for a huge literal.
                self._more(max(len(self.text) - self.pos, 1))
                continue
            whole = isinstance(value, (str, dict, list))
            if end == len(self.text) and not self.ended and not whole:
                self._more()  # a number or keyword at the buffer's end may go on in the next chunk
                continue
            self.pos = end
            return value


def _term(term: Any, blanks: dict[str, str]) -> dict[str, str]:
    if not isinstance(term, dict) or not isinstance(term.get("value"), str):
        raise ValueError(f"not an RDF term: {term!r}")
    kind, value = term.get("type"), term["value"]
    if kind == "bnode":
        return {"type": "bnode", "value": blanks.setdefault(value, f"b{len(blanks)}")}
    if kind in ("literal", "typed-literal"):
        found = {"type": "literal", "value": value}
        if term.get("xml:lang"):
            found["xml:lang"] = term["xml:lang"]
        elif term.get("datatype") and term["datatype"] != XSD_STRING:
            found["datatype"] = term["datatype"]
        return found
    return dict(term)


def _members(reader: _Reader, brackets: str, each: Callable[[], None]) -> None:
    """A JSON array (`brackets` "[]") or object ("{}"): `each()` reads one member, in turn."""
    opening, closing = brackets[0], brackets[1]
    reader.punctuation(opening)
    if reader.peek() == closing:
        reader.pos += 1
        return
    while True:
        each()
        if reader.punctuation("," + closing) == closing:
            return


def _bindings(reader: _Reader, found: Solutions, max_rows: int, blanks: dict[str, str]) -> None:
    """The `bindings` array: kept up to `max_rows`; past it, stop if the head is known."""

    def solution() -> None:
        row = reader.value()
        if len(found.bindings) < max_rows:
            if not isinstance(row, dict):
                raise ValueError(f"not a solution: {row!r}")
            found.bindings.append({name: _term(term, blanks) for name, term in row.items()})
        else:
            found.more = True
            if found.variables is not None:
                raise _Enough

    _members(reader, "[]", solution)


class _Enough(Exception):
    """The cap is reached and the head is known: the rest is never read."""


def _object(reader: _Reader, member: Callable[[Any], None]) -> None:
    """A JSON object, each member handed to `member(key)` to read its value."""

    def keyed() -> None:
        key = reader.value()
        reader.punctuation(":")
        member(key)

    _members(reader, "{}", keyed)


def first_solutions(chunks: Iterator[bytes], max_rows: int) -> Solutions:
    """Read JSON results up to `max_rows` solutions (and one more, to know there are more).

    Raises ValueError (json.JSONDecodeError is one) for what is not SPARQL JSON results.
    """
    reader = _Reader(chunks)
    found = Solutions()
    blanks: dict[str, str] = {}

    def results_member(key: Any) -> None:
        if key == "bindings":
            _bindings(reader, found, max_rows, blanks)
        else:
            reader.value()  # distinct, ordered, links

    def top_member(key: Any) -> None:
        if key == "head":
            head = reader.value()
            variables = head.get("vars", []) if isinstance(head, dict) else None
            if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
                raise ValueError(f"not a results head: {head!r}")
            found.variables = variables
            if found.more:
                raise _Enough  # the head came after the solutions
        elif key == "results":
            _object(reader, results_member)
        elif key == "boolean":
            found.boolean = bool(reader.value())
        else:
            reader.value()

    with contextlib.suppress(_Enough):
        _object(reader, top_member)
    if found.boolean is None and found.variables is None:  # no head: the bound names
        found.variables = sorted({name for row in found.bindings for name in row})
    return found
