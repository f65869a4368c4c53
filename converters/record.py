"""The parsed Atlas record: plain dataclasses, no RDF.

Values are kept as the page gives them (years and dates as text) so that a malformed value reaches
validation and its report instead of disappearing here. Amounts are decimals: the parser only ever
reads numbers into them. The JSON form of a `Record` is documented by `record.schema.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

# Read by pydantic when a record comes as JSON (converters.jsonrecord): unknown keys are errors,
# never dropped, and numbers are accepted where the page has text (years).
_JSON = {"extra": "forbid", "coerce_numbers_to_str": True}


@dataclass
class Partner:
    """A foreign local authority named in the partners table, with its country as written."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    name: str
    country: str | None = None


@dataclass
class Contact:
    """A person in a role: an embassy post or a partner's contact.

    `name` and `email` are personal data: published only when publishing people is on.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    organisation: str
    role: str | None = None
    name: str | None = None
    email: str | None = None


@dataclass
class OnePercentAmount:
    """An amount given under a "1 %" law (Oudin–Santini water, energy, waste, transport)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    instrument: str
    amount_eur: Decimal


@dataclass
class FundingRow:
    """One row of the funding table: the funder's name, the euro amount, the year."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    funder: str
    amount_eur: Decimal | None = None
    year: str | None = None
    one_percent: list[OnePercentAmount] = field(default_factory=list)


@dataclass
class ThemeRow:
    """One row of "Autres thématiques": a theme path and its priority."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    theme: str
    sub_theme: str | None = None
    sub_sub_theme: str | None = None
    priority: str | None = None


@dataclass
class Volunteer:
    """One row of the volunteers table. Names are personal data; `row` keeps the raw row text."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    row: str
    name: str | None = None
    mission: str | None = None
    field_of_action: str | None = None
    assignment: str | None = None


@dataclass
class Record:
    """One Atlas partnership, every field of the page."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _JSON

    identifier: str
    title: str | None = None
    first_signature_year: str | None = None
    start_year: str | None = None
    end_date: str | None = None
    status: str | None = None
    theme: str | None = None
    sub_theme: str | None = None
    sub_sub_theme: str | None = None
    other_themes: list[ThemeRow] = field(default_factory=list)
    context: str | None = None
    history: str | None = None
    objectives: str | None = None
    description: str | None = None
    beneficiaries: str | None = None
    form: str | None = None
    project_owners: list[str] = field(default_factory=list)
    project_managers: list[str] = field(default_factory=list)
    foreign_partners: list[Partner] = field(default_factory=list)
    foreign_contacts: list[Contact] = field(default_factory=list)
    french_partners: list[str] = field(default_factory=list)
    funding: list[FundingRow] = field(default_factory=list)
    triennial: bool | None = None
    communication_in_france: bool | None = None
    communication_in_partner_countries: bool | None = None
    evaluation: bool | None = None
    diplomatic_post: str | None = None
    diplomatic_contacts: list[Contact] = field(default_factory=list)
    volunteers: list[Volunteer] | None = None
    source_url: str | None = None
