"""A crawler over a live `coopgraph serve`: every link and every IRI resolves, nothing is broken.

The store is loaded with BASE set to the server's own address, as a deployment would be, so the
IRIs in the data are the URLs that dereference them. The crawler starts from the home page,
follows every same-site link of every page and every IRI of ours in every RDF answer (the
w3id.org ontology and concept-scheme IRIs resolve at /ontology and /vocab/…, as the w3id.org
redirect sends them), asks each IRI for Turtle, and checks that the answer parses and describes
the IRI asked.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

from conftest import samples_store
from rdflib import Graph, URIRef
from servers import coopgraph_server, free_port

BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
W3ID = "https://w3id.org/coopgraph/"
#: Pages a crawl may touch but not expand: the editor (one per query) and downloads.
LEAVES = ("/sparql", "/dumps/", "/static/")
RDF_TYPES = {"text/turtle"}


def _get(url: str, accept: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()
    except TimeoutError:
        return 0, "timeout", b""


def _local(iri: str, base: str) -> str | None:
    """The URL that dereferences an IRI of ours on the test server (None: not ours)."""
    iri = iri.split("#", 1)[0]  # a hash IRI is described by its document
    if iri.startswith(base):
        return iri
    if iri.startswith(W3ID):
        return base + iri[len(W3ID) :]
    return None


def _iri_of(url: str, base: str) -> str:
    """The IRI a page of ours stands for (the inverse of `_local`)."""
    path = urllib.parse.urlsplit(url).path
    if path.startswith(("/vocab/", "/ontology")):
        return W3ID + path[1:]
    if path == "/dataset":
        return f"{base}dataset#atlas"
    return url


def test_crawl_finds_no_broken_link_and_every_iri_describes_itself(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = samples_store(tmp_path, "--base", base)
    with coopgraph_server(store, env={"COOPGRAPH_BASE": base}, port=port):
        pages: deque[str] = deque([base])
        iris: deque[str] = deque()
        seen_pages: set[str] = set()
        seen_iris: set[str] = set()
        broken: list[str] = []
        documents: set[str] = set()
        described = 0
        while pages or iris:
            while pages:
                url = pages.popleft()
                if url in seen_pages:
                    continue
                seen_pages.add(url)
                status, media_type, body = _get(url, BROWSER)
                if status != 200:
                    broken.append(f"{status} {url}")
                    continue
                path = urllib.parse.urlsplit(url).path
                if media_type != "text/html" or path.startswith(LEAVES):
                    continue
                for link in re.findall(r'(?:href|src)="([^"]+)"', body.decode("utf-8")):
                    target = urllib.parse.urljoin(url, link.replace("&amp;", "&")).split("#")[0]
                    english = "lang=en" in target and urllib.parse.urlsplit(target).path != "/"
                    if target.startswith(base) and not english:  # English: the home page only
                        pages.append(target)
                if path.startswith(("/id/", "/graph/", "/vocab/", "/ontology", "/dataset")):
                    iris.append(_iri_of(url, base))
            while iris:
                iri = iris.popleft()
                if iri in seen_iris:
                    continue
                seen_iris.add(iri)
                url = _local(iri, base) or iri
                status, media_type, body = _get(url, "text/turtle")
                if status != 200:
                    broken.append(f"{status} {iri} (as Turtle)")
                    continue
                if media_type not in RDF_TYPES:  # a document with no RDF form: a dump, a page
                    documents.add(iri)
                    continue
                graph = Graph().parse(data=body, format="turtle")
                asked = URIRef(iri.rstrip("#"))  # `ontology#`, the namespace, is the ontology
                if (asked, None, None) not in graph and (None, None, asked) not in graph:
                    broken.append(f"the Turtle of {iri} does not describe it")
                described += 1
                for node in set(graph.all_nodes()):
                    if isinstance(node, URIRef) and _local(str(node), base):
                        iris.append(str(node))
                        pages.append(_local(str(node), base) or "")
    assert not broken, "\n".join(sorted(broken))
    assert described >= 40, f"only {described} IRIs were described: the crawl stopped early"
    assert {iri.rsplit("/", 1)[1] for iri in documents} == {"", "atlas.nq.gz", "atlas.ttl.gz"}
    kinds = {urllib.parse.urlsplit(page).path.split("/")[1] for page in seen_pages}
    assert {"id", "vocab", "ontology", "dataset", "country", "dumps", "sparql"} <= kinds
