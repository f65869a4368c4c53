"""Visible lines of an Atlas page saved as HTML, in the same shape as the text pages give them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from .lines import Line

# Never rendered by a browser, so never in the copied text the parser was written against.
_SKIP = frozenset({"head", "title", "script", "style", "noscript", "template"})
# Elements that begin and end a line; anything else (span, a, label, b, ...) flows inline.
_BLOCK = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "header"}
    | {"footer", "nav", "dt", "dd", "table", "tr", "caption", "form", "fieldset", "legend"}
    | {"blockquote", "pre", "address", "ul", "ol", "dl", "main", "aside", "hr", "body", "html"}
    | {"figure", "figcaption", "details", "summary", "center"}
)
# HTML collapses only ASCII whitespace: NBSP must survive so NBSP-only lines look as in text pages.
_WS = re.compile(r"[ \t\n\r\f]+")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)


def _collapse(text: str) -> str:
    """Collapse ASCII whitespace runs to one space and strip them at both ends."""
    return _WS.sub(" ", text).strip(" ")


def _hidden(tag: Tag) -> bool:
    """Whether a browser would render nothing of this element."""
    if tag.name in _SKIP or tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return style is not None and _DISPLAY_NONE.search(str(style)) is not None


def _flat(node: Tag) -> Iterator[str]:
    """Visible text of an element as one line: <br> and block edges become spaces."""
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(child, NavigableString):
            yield str(child)
        elif isinstance(child, Tag) and not _hidden(child):
            breaks = child.name == "br" or child.name in _BLOCK
            yield " " if breaks else ""
            yield from _flat(child)
            yield " " if breaks else ""


def _after_p(tag: Tag) -> bool:
    """Whether the nearest visible sibling before `tag` is a <p> (a paragraph break)."""
    for sibling in tag.previous_siblings:
        if isinstance(sibling, Tag) and not _hidden(sibling):
            return sibling.name == "p"
        if not isinstance(sibling, (Tag, PreformattedString)) and _collapse(str(sibling)):
            return False  # visible text between the two: not consecutive paragraphs
    return False


class _Builder:
    """Accumulates inline text and turns it into `Line`s at each line break."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._parts: list[str] = []
        self._start = 1  # source line where the pending line's text begins
        self._line = 1  # source line reached by the walk: tags give it, text newlines advance it

    def see(self, tag: Tag) -> None:
        """Resynchronise on a start tag, whose line the parser knows exactly."""
        if tag.sourceline is not None:
            self._line = tag.sourceline

    def skip(self, text: str) -> None:
        """Account for source text that shows nothing (comments)."""
        self._line += text.count("\n")

    def text(self, text: str) -> None:
        """Add inline text to the pending line."""
        lead = len(text) - len(text.lstrip(" \t\n\r\f"))
        if lead < len(text) and not self._parts:
            # Text right after a <br> or a block usually sits on a later line than that tag.
            self._start = self._line + text.count("\n", 0, lead)
        if lead < len(text) or self._parts:  # whitespace between blocks is not a line
            self._parts.append(text)
        self._line += text.count("\n")

    def brk(self) -> None:
        """End the pending line, if it has any visible text."""
        text = _collapse("".join(self._parts))
        self._parts = []
        if text:
            self._emit(text, self._start, None)

    def add(self, text: str, cells: tuple[str, ...] | None = None) -> None:
        """Emit a whole line at once (blank paragraph break, table row)."""
        self.brk()
        self._emit(text, self._line, cells)

    def _emit(self, text: str, number: int, cells: tuple[str, ...] | None) -> None:
        # Entities such as &#10; can make the count run ahead: never let numbers go back.
        last = self.lines[-1].number if self.lines else 1
        self.lines.append(Line(text, max(number, last), cells))


def _walk(node: Tag, out: _Builder, pre: bool = False) -> None:
    """Feed the visible content of `node` to `out` in document order."""
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            out.skip(str(child))
            continue
        if isinstance(child, NavigableString):
            # Inside <pre> each newline ends a line; the chunks keep it so the count stays right.
            for chunk in re.split(r"(?<=\n)", str(child)) if pre else [str(child)]:
                out.text(chunk)
                if pre and chunk.endswith("\n"):
                    out.brk()
            continue
        if not isinstance(child, Tag) or _hidden(child):
            continue
        out.see(child)
        if child.name == "br":
            out.brk()
        elif child.name == "tr":
            cells = tuple(
                _collapse("".join(_flat(cell)))
                for cell in child.find_all(["td", "th"], recursive=False)
                if not _hidden(cell)
            )
            # A browser's copied row is its non-empty cells joined by one space.
            out.add(" ".join(cell for cell in cells if cell), cells)
        elif child.name in _BLOCK:
            out.brk()
            if child.name == "p" and _after_p(child):
                out.add("")  # keep paragraphs apart as the text pages' blank lines do
            _walk(child, out, pre or child.name == "pre")
            out.brk()
        else:
            _walk(child, out, pre)


def html_lines(html: str) -> list[Line]:
    """Return the visible lines of an HTML page, table rows carrying their cells."""
    out = _Builder()
    _walk(BeautifulSoup(html, "html.parser"), out)
    out.brk()
    return out.lines
