"""Who may write: bearer tokens from the settings, each with a name recorded in provenance.

`COOPGRAPH_TOKENS` is `name:token,name2:token2`. No token configured means writes are off. A
presented token is compared with every configured one in constant time (no early exit, so the
answer's timing says nothing of how much of a token was right), and tokens are never logged.
"""

from __future__ import annotations

import hmac

from coopgraph.errors import InputError, NotAuthenticated, WritesDisabled

#: Shorter tokens are refused at start-up: they can be guessed.
MIN_TOKEN_LENGTH = 16


def parse_tokens(setting: str | dict[str, str] | None) -> dict[str, str]:
    """name → token, from the setting's text (or a dict, as tests give it)."""
    if not setting:
        return {}
    if isinstance(setting, dict):
        pairs = list(setting.items())
    else:
        pairs = []
        for item in setting.split(","):
            name, colon, token = item.strip().partition(":")
            if not colon or not name or not token:
                raise InputError(
                    "COOPGRAPH_TOKENS must be name:token pairs separated by commas",
                    hint="e.g. COOPGRAPH_TOKENS=editor:<a long random token>",
                )
            pairs.append((name.strip(), token.strip()))
    for name, token in pairs:
        if len(token) < MIN_TOKEN_LENGTH:
            raise InputError(
                f"the token of {name!r} is shorter than {MIN_TOKEN_LENGTH} characters",
                hint="use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            )
    return dict(pairs)


def writer_name(authorization: str | None, tokens: dict[str, str]) -> str:
    """The name of the token an `Authorization: Bearer …` header carries; raise otherwise."""
    if not tokens:
        raise WritesDisabled("writes are off on this server: no token is configured")
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise NotAuthenticated(
            "writing needs an `Authorization: Bearer <token>` header", token_given=False
        )
    found = None
    for name, token in tokens.items():
        if hmac.compare_digest(presented.strip().encode(), token.encode()):
            found = name
    if found is None:
        raise NotAuthenticated(
            "this token is not one of the server's write tokens", token_given=True
        )
    return found
