"""French country names as the Atlas writes them → ISO 3166-1 alpha-3, through pycountry.

pycountry ships the iso-codes project's French translations; we index the short, common and
official names, and the inverted forms ("Iran, République islamique d'" → "République islamique
d'Iran", "Iran"). The few Atlas spellings that iso-codes does not carry are in `_ATLAS_ALIASES`.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from coopgraph.converters.text import fold

# Spellings seen in French administrative usage that iso-codes' French names do not include.
_ATLAS_ALIASES = {
    "Territoires palestiniens": "PSE",
    "Vietnam": "VNM",
    "Corée du Sud": "KOR",
    "Russie": "RUS",
    "République tchèque": "CZE",
    "Macédoine": "MKD",
    "Congo": "COG",
    "RDC": "COD",
    "Birmanie": "MMR",
    "Cap-Vert": "CPV",
    "Swaziland": "SWZ",
}


def _key(name: str) -> str:
    return " ".join(fold(name).replace("-", " ").replace("'", " ").split())


def _variants(name: str) -> set[str]:
    names = {name}
    if ", " in name:
        head, tail = name.split(", ", 1)
        names.add(head)
        joiner = "" if tail.endswith("'") else " "
        names.add(f"{tail}{joiner}{head}")
    return names


@cache
def _index() -> dict[str, str]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("official_name", "common_name", "name"):
            english = getattr(country, attribute, None)
            if english:
                for name in _variants(french.gettext(english)):
                    index[_key(name)] = country.alpha_3
    for name, code in _ATLAS_ALIASES.items():
        index.setdefault(_key(name), code)
    return index


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a French country name, or None when unknown."""
    return _index().get(_key(name))


def split_trailing_country(text: str) -> tuple[str, str | None, str | None]:
    """Split "Municipalité de Rabat Maroc" into ("Municipalité de Rabat", "Maroc", "MAR").

    The longest run of trailing words that names a country wins; without one the whole text is
    the name and the country is None.
    """
    words = text.split()
    for start in range(1, len(words)):
        candidate = " ".join(words[start:])
        code = country_code(candidate)
        if code:
            return " ".join(words[:start]), candidate, code
    return text.strip(), None, None
