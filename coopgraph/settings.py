"""Settings users rely on: environment variables `COOPGRAPH_*`, overridden by CLI options.

Each setting is data with its default and help text, documented in one table in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from coopgraph.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default and help text."""

    name: str
    default: str
    help: str

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return f"COOPGRAPH_{self.name.upper()}"

    def value(self) -> str:
        """The value in force: the environment's, else the default."""
        return os.environ.get(self.variable, self.default)


BASE = Setting("base", "http://localhost:5000/", "BASE of every minted IRI ({BASE}id/…)")
PUBLISH_PERSONAL_DATA = Setting(
    "publish_personal_data", "false", "`true` to publish people's names and e-mails"
)
SETTINGS = (BASE, PUBLISH_PERSONAL_DATA)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def as_bool(setting: Setting, text: str | None = None) -> bool:
    """A boolean setting's value; a word that is neither true nor false is an error."""
    value = (setting.value() if text is None else text).strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise InputError(f"{setting.variable}={value!r} is not a boolean", hint="use true or false")


def as_base(text: str | None = None) -> str:
    """BASE, checked to be an absolute http(s) IRI ending with '/'."""
    value = (BASE.value() if text is None else text).strip()
    if not value.startswith(("http://", "https://")) or " " in value:
        raise InputError(
            f"{BASE.variable}={value!r} is not an http(s) address",
            hint="e.g. https://atlas.example.org/",
        )
    return value if value.endswith("/") else value + "/"
