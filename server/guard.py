"""Operations refused before they run: SERVICE (outbound requests) and LOAD.

pyoxigraph would open a connection to any address a query's SERVICE names (server-side request
forgery), and LOAD fetches a document. A small lexer finds these keywords as SPARQL keywords:
never inside strings, IRIs, comments, prefixed names or variables. A SERVICE whose IRI is on the
allow-list is let through; a SERVICE with a variable never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from coopgraph.errors import OperationRefused

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$][\w]+)
  | (?P<name>[\w.:-]+)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.UNICODE,
)


def lexemes(text: str) -> Iterator[re.Match[str]]:
    """Every token of `text` with its place; its kind is `match.lastgroup`, comments included."""
    return _TOKEN.finditer(text)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each token that matters: comments dropped."""
    for match in lexemes(text):
        kind = match.lastgroup or "other"
        if kind != "comment":
            yield kind, match.group()


def refuse_outbound(text: str, allowed_services: Iterable[str] = ()) -> None:
    """Raise `OperationRefused` if the operation has a LOAD or a SERVICE not on the allow-list."""
    allowed = set(allowed_services)
    tokens = list(_tokens(text))
    for index, (kind, value) in enumerate(tokens):
        if kind != "name" or value.upper() not in ("SERVICE", "LOAD"):
            continue
        if value.upper() == "LOAD":
            raise OperationRefused(
                "LOAD is refused: this endpoint does not fetch documents", field="LOAD"
            )
        following = [token for token in tokens[index + 1 : index + 3]]
        if following and following[0][0] == "name" and following[0][1].upper() == "SILENT":
            following = following[1:]
        target = following[0] if following else ("other", "")
        if target[0] == "iri" and target[1][1:-1] in allowed:
            continue
        raise OperationRefused(
            f"SERVICE {target[1]} is refused: this endpoint sends no requests elsewhere",
            field="SERVICE",
            hint="query that endpoint yourself"
            + (f"; allowed here: {', '.join(sorted(allowed))}" if allowed else ""),
        )


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword after the prologue."""
    for kind, value in _tokens(text):
        if kind == "name" and value.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return value.upper()
    raise OperationRefused(
        "not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE", hint="check the query"
    )
