"""Kept answers replayed before Flask (server/replay.py): the same bytes, never a retired answer.

Through Flask's test client over a real embedded store and real query workers; a
`before_request` hook counts the requests that reach Flask.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import count_answer, sample
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coopgraph.server import replay
from coopgraph.server.app import create_app
from coopgraph.server.replay import Replay

TOKEN = "editor-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain; charset=utf-8"}
PARTNERSHIP = "<https://w3id.org/coopgraph/ontology#Partnership>"
COUNT = f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a {PARTNERSHIP} }}"


class Counted:
    """An app whose requests that reach Flask are counted."""

    def __init__(self, path: Path) -> None:
        self.app = create_app(
            {"STORE": str(path / "store"), "QUERY_WORKERS": 1, "TOKENS": f"editor:{TOKEN}"}
        )
        self.flask = 0

        @self.app.before_request
        def count() -> None:
            self.flask += 1

        self.client: FlaskClient = self.app.test_client()
        self.put("rabat-mantes-la-jolie")

    @property
    def replay(self) -> Replay:
        assert isinstance(self.app.wsgi_app, Replay)
        return self.app.wsgi_app

    def put(self, name: str) -> None:
        stored = self.client.put(f"/records/{name}", data=sample(name).encode(), headers=AUTH)
        assert stored.status_code == 201, stored.get_data(as_text=True)

    def get(self, text: str, **headers: str) -> tuple[TestResponse, bool]:
        """The answer, read whole, and whether Flask made it."""
        before = self.flask
        response = self.client.get("/sparql", query_string={"query": text}, headers=headers)
        response.get_data()
        response.close()
        return response, self.flask > before


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[Counted]:
    counted = Counted(tmp_path)
    yield counted
    counted.app.extensions["coopgraph.executor"].close()


def _headers(response: TestResponse) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != "Content-Length"}


def test_the_third_ask_skips_flask_and_gets_the_same_response(counted: Counted) -> None:
    miss, by_flask = counted.get(COUNT)
    assert by_flask and miss.headers["Coopgraph-Cache"] == "miss"
    hit, by_flask = counted.get(COUNT)
    assert by_flask and hit.headers["Coopgraph-Cache"] == "hit"  # Flask's hit is remembered
    for _ in range(3):
        again, by_flask = counted.get(COUNT)
        assert not by_flask
        assert (again.status, _headers(again), again.data) == (hit.status, _headers(hit), hit.data)
        assert again.headers["Content-Length"] == str(len(hit.data))
    assert len(counted.replay) == 1


def test_what_may_change_the_response_is_part_of_the_request_remembered(
    counted: Counted,
) -> None:
    """Another Accept, host or forwarded host reaches Flask: the base IRI is the endpoint's."""
    relative = "SELECT ?here WHERE { BIND(<here> AS ?here) }"

    def here(**headers: str) -> tuple[str, bool]:
        response, by_flask = counted.get(relative, **headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        if response.mimetype == "text/csv":
            return response.get_data(as_text=True).split()[1], by_flask
        return json.loads(response.data)["results"]["bindings"][0]["here"]["value"], by_flask

    for _ in range(2):
        here(Host="a.example")
    assert here(Host="a.example") == ("http://a.example/here", False)
    assert here(Host="b.example") == ("http://b.example/here", True)
    forwarded = {"Host": "a.example", "X-Forwarded-Host": "c.example"}
    assert here(**forwarded) == ("http://c.example/here", True)
    assert here(Host="a.example", Accept="text/csv") == ("http://a.example/here", True)
    assert here(Host="a.example", **{"User-Agent": "another client"})[1] is False


def test_a_write_retires_the_replayed_answer(counted: Counted) -> None:
    for _ in range(3):
        response, by_flask = counted.get(COUNT)
    assert count_answer(response) == 1 and not by_flask
    counted.put("sale-woippy")
    after, by_flask = counted.get(COUNT)
    assert by_flask and after.headers["Coopgraph-Cache"] == "miss" and count_answer(after) == 2
    counted.get(COUNT)
    again, by_flask = counted.get(COUNT)
    assert not by_flask and count_answer(again) == 2


def test_posts_errors_and_pages_always_reach_flask(counted: Counted) -> None:
    for _ in range(3):
        before = counted.flask
        posted = counted.client.post("/sparql", data={"query": COUNT})
        posted.get_data()
        posted.close()
        assert posted.status_code == 200 and counted.flask == before + 1
        wrong, by_flask = counted.get("SELECT nonsense")
        assert wrong.status_code == 400 and by_flask
        before = counted.flask
        assert counted.client.get("/").status_code == 200 and counted.flask == before + 1
    assert len(counted.replay) == 0


def test_what_is_remembered_stays_under_its_bound(
    counted: Counted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "MAX_BYTES", 3 * replay.ENTRY_OVERHEAD)
    for number in range(6):
        text = f"{COUNT} # {number}"
        counted.get(text)
        counted.get(text)
        assert counted.replay.size <= replay.MAX_BYTES
    assert 1 <= len(counted.replay) < 3
    assert not counted.get(f"{COUNT} # 5")[1]  # the latest is still there
    assert counted.get(f"{COUNT} # 0")[1]  # the oldest went first
