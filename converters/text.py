"""Reading bytes as text, and the normalisations of MODEL.md's parsing rules.

Nothing here knows about Atlas labels: these are the small, separately tested rules
(Unicode NFC, Word bullets, NBSP lines, `[at]` e-mails, French dates, name keys).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from coopgraph.errors import InputError, UnreadableInput

# Word exports bullets from the Symbol and Wingdings fonts as private-use code points (U+F0A7,
# U+F0B7, U+F0D8, U+F076, ...). They render as nothing, or garbage, outside Word.
_PRIVATE_USE_BULLET = re.compile("[\uf000-\uf0ff]")
_AT = re.compile(r"\s*\[\s*(?:at|arobase)\s*\]\s*", re.IGNORECASE)
_DOT = re.compile(r"\s*\[\s*(?:dot|point)\s*\]\s*", re.IGNORECASE)
_FRENCH_DATE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_BLANK = re.compile(r"^[\s\u00a0\u200b\ufeff]*$")
# Combining marks left by NFKD (the blocks used by Latin, Greek and Cyrillic accents).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

#: Administrative prefixes that do not change which authority a name denotes.
_ADMINISTRATIVE_PREFIXES = re.compile(
    r"^(?:(?:la|le|l)\s+)?(?:commune(?:\s+(?:urbaine|rurale))?|municipalite|ville|mairie|cite)"
    r"\s+(?:de\s+la|de\s+l|des|du|de|d)\s+"
)


@dataclass(frozen=True)
class DecodedText:
    """Text read from bytes, with what had to be repaired to read it."""

    text: str
    notes: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def decode(data: bytes, source: str) -> DecodedText:
    """Decode a page's bytes: UTF-8 (with or without BOM), else Windows-1252 with a warning.

    Raises `UnreadableInput` for empty or binary data, naming the source and the line.
    """
    if not data.strip(b" \t\r\n\x00\xa0"):
        raise UnreadableInput(
            "the file is empty", source=source, hint="save the Atlas page's text into it"
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UnreadableInput(
            "binary data (NUL byte), not text",
            source=source,
            line=line,
            hint="give the page as text, HTML or JSON",
        )
    notes: list[str] = []
    warnings: list[tuple[int, str]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notes.append("UTF-8 byte-order mark removed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        warnings.append(
            (
                line,
                f"not UTF-8 (byte 0x{data[error.start]:02x}); read as Windows-1252/Latin-1: "
                "check the accents, and save the file as UTF-8 to silence this",
            )
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("CR/CRLF line ends read as LF")
    control = _CONTROL.search(text)
    if control and len(_CONTROL.findall(text)) > max(8, len(text) // 200):
        line = text[: control.start()].count("\n") + 1
        raise UnreadableInput(
            "binary data (control characters), not text",
            source=source,
            line=line,
            hint="give the page as text, HTML or JSON",
        )
    return DecodedText(_CONTROL.sub("", text), notes, warnings)


def load_json(text: str, *, source: str, what: str = "JSON") -> Any:
    """Parse JSON; malformed (a 400 naming the line and column, as for Turtle) or nested too
    deeply, an `InputError`. A record that parses but is off the schema is another error (422)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"malformed {what}: {error.msg} (column {error.colno})",
            source=source,
            line=error.lineno,
            hint=f"fix the {what} syntax",
        ) from error
    except RecursionError as error:
        raise InputError(
            f"{what} nested too deeply", source=source, hint="a record nests a few levels"
        ) from error


def normalise_line(text: str) -> str:
    """NFC, Word bullets as "•", stray control characters removed, ends trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _PRIVATE_USE_BULLET.sub("•", text)
    return text.strip(" \t\u00a0\u200b\ufeff")


def is_blank(text: str) -> bool:
    """True for a line of nothing but spaces, NBSP and zero-width characters."""
    return bool(_BLANK.match(text))


def collapse_spaces(text: str) -> str:
    """Runs of spaces (NBSP included) as one space, ends trimmed."""
    return " ".join(text.replace("\u00a0", " ").split())


def join_paragraphs(lines: list[str]) -> str | None:
    """Lines of a long text as one string: paragraphs kept, blank runs as one blank line."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if is_blank(line):
            if current:
                paragraphs.append("\n".join(current))
                current = []
        else:
            current.append(normalise_line(line))
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs) or None


def unobfuscate_email(text: str) -> str:
    """`x[at]y[dot]z` as `x@y.z`."""
    return _DOT.sub(".", _AT.sub("@", text.strip()))


def iso_date(text: str) -> str | None:
    """`DD/MM/YYYY` (or ISO `YYYY-MM-DD`) as `YYYY-MM-DD`; None when it is not a real date."""
    import datetime

    match = _FRENCH_DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO_DATE.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def fold(text: str) -> str:
    """Lower case, accents stripped, ligatures opened, typographic quotes as ASCII."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    text = _COMBINING.sub("", text)
    return text.replace("æ", "ae").replace("’", "'").replace("ʼ", "'").casefold()


def slugify(text: str) -> str:
    """The IRI slug of a label: folded, every run of non-alphanumerics as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def name_key(name: str) -> str:
    """The key under which two spellings of one authority's name are the same.

    "Mantes la Jolie", "Mantes-la-Jolie" and "Ville de Mantes-la-Jolie" share one key:
    case, accents, hyphens, apostrophes and administrative prefixes do not count.
    """
    words = re.sub(r"[^a-z0-9]+", " ", fold(name)).strip()
    stripped = _ADMINISTRATIVE_PREFIXES.sub("", words + " ").strip()
    return (stripped or words).replace(" ", "-")
