"""Example queries of the editor's gallery (the same as docs/querying.md, which a test checks)."""

from __future__ import annotations

#: (title, query) pairs, shown as buttons that open the query in a new editor tab.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Partnerships per country",
        """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?country (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {
  ?partnership a coop:Partnership ; coop:foreignPartner ?partner .
  ?partner dct:spatial ?country .
}
GROUP BY ?country
ORDER BY DESC(?partnerships)
""",
    ),
    (
        "Funding per funder and year",
        """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?funder (SAMPLE(?label) AS ?name) ?year (SUM(?amount) AS ?euros)
WHERE {
  ?funding a coop:Funding ; schema:funder ?funder ; coop:year ?year ; coop:amountEUR ?amount .
  OPTIONAL { ?funder skos:prefLabel ?label FILTER (LANG(?label) = "fr") }
}
GROUP BY ?funder ?year
ORDER BY ?year DESC(?euros)
""",
    ),
    (
        "Partners of Mantes-la-Jolie",
        """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?partnership ?partner ?role
WHERE {
  ?authority skos:prefLabel "Mantes la Jolie"@fr .
  ?mine org:member ?authority ; org:organization ?p .
  ?p dct:title ?partnership .
  ?theirs org:organization ?p ; org:member ?other ; org:role ?r .
  FILTER (?other != ?authority)
  ?other skos:prefLabel ?partner .
  ?r skos:prefLabel ?role FILTER (LANG(?role) = "fr")
}
ORDER BY ?partner ?role
""",
    ),
    (
        "Themes over time",
        """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?year ?theme (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {
  ?partnership a coop:Partnership ; coop:startYear ?year ; dct:subject ?subject .
  ?subject skos:broader* ?top .
  ?top skos:topConceptOf <https://w3id.org/coopgraph/vocab/theme> ; skos:prefLabel ?theme .
}
GROUP BY ?year ?theme
ORDER BY ?year ?theme
""",
    ),
)

PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX coopv: <https://w3id.org/coopgraph/vocab/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

#: The query the editor opens with: our prefixes, and the partnerships with their titles.
DEFAULT_QUERY = (
    PREFIXES
    + """
SELECT ?partnership ?title WHERE {
  ?partnership a coop:Partnership ; dct:title ?title .
}
LIMIT 100
"""
)
