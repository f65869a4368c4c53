"""`coopgraph convert` as a user runs it: formats, bad input, exit statuses, summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, run_in_terminal, sample
from rdflib import Dataset, Graph

from coopgraph.cli import main
from coopgraph.converters.pipeline import input_files


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_default_is_turtle_on_stdout() -> None:
    result = run("convert", SAMPLES)
    assert result.exit_code == 0, result.stderr
    graph = Graph().parse(data=result.stdout, format="turtle")
    quads = run("convert", SAMPLES, "--format", "nquads").stdout.splitlines()
    # the records share a few triples (the embassy and its posts): the union is smaller
    assert 150 < len(graph) < len(quads)
    assert result.stderr.strip().splitlines()[-1] == (
        f"2 records, {len(quads)} triples, 0 warnings, 0 failures"
    )


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_quad_formats_keep_one_named_graph_per_record(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"out.{fmt}"
    result = run("convert", SAMPLES, "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.stderr
    dataset = Dataset()
    dataset.parse(out, format={"jsonld": "json-ld"}.get(fmt, fmt))
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {
        "http://localhost:5000/graph/partnership/rabat-mantes-la-jolie",
        "http://localhost:5000/graph/partnership/sale-woippy",
    }


def test_ntriples_and_turtle_hold_the_same_triples(tmp_path: Path) -> None:
    run("convert", SAMPLES, "--format", "ntriples", "-o", tmp_path / "a.nt")
    run("convert", SAMPLES, "-o", tmp_path / "a.ttl")
    nt = Graph().parse(tmp_path / "a.nt", format="nt")
    ttl = Graph().parse(tmp_path / "a.ttl", format="turtle")
    assert len(nt) == len(ttl) and set(nt) == set(ttl)


def test_jsonld_uses_no_remote_context(tmp_path: Path) -> None:
    run("convert", SAMPLES, "--format", "jsonld", "-o", tmp_path / "a.jsonld")
    document = json.loads((tmp_path / "a.jsonld").read_text())
    assert isinstance(document["@context"], dict)
    assert all(isinstance(value, str) for value in document["@context"].values())


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "trig", "jsonld"])
def test_converting_twice_gives_identical_bytes(fmt: str, tmp_path: Path) -> None:
    run("convert", SAMPLES, "--format", fmt, "-o", tmp_path / "1")
    run("convert", SAMPLES, "--format", fmt, "-o", tmp_path / "2")
    assert (tmp_path / "1").read_bytes() == (tmp_path / "2").read_bytes()


def _bad_inputs(folder: Path) -> dict[str, str]:
    """Each bad input beside a good page; value: what the message must say."""
    page = sample("sale-woippy")
    (folder / "good.txt").write_text(page, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.txt").write_text("Liste de courses\npain\nlait\n", encoding="utf-8")
    (folder / "truncated.txt").write_text(page[: page.index("Partenaires étrangers")])
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (folder / "broken.json").write_text('{"identifier": "x",\n "title": }')
    (folder / "wrong-field.json").write_text('{"identifier": "x", "titel": "y"}')
    return {
        "empty.txt": "empty",
        "notes.txt": "not an Atlas partnership page",
        "truncated.txt": "cut off",
        "binary.txt": "binary",
        "broken.json": "malformed JSON",
        "wrong-field.json": "titel",
    }


def test_bad_inputs_fail_alone_with_clear_messages(tmp_path: Path) -> None:
    expected = _bad_inputs(tmp_path)
    result = run("convert", tmp_path, "--format", "nquads")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(expected)
    for name, message in expected.items():
        (line,) = [e for e in errors if f"{tmp_path / name}" in e]
        assert message in line, line
    assert "truncated.txt:" in next(e for e in errors if "truncated" in e)
    assert "broken.json:2:" in next(e for e in errors if "broken" in e)
    assert "graph/partnership/good>" in result.stdout
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("1 records, ") and summary.endswith(" 0 warnings, 6 failures")


@pytest.mark.parametrize(
    ("encode", "warnings"),
    [
        (lambda text: text.encode("utf-8-sig"), 0),
        (lambda text: text.replace("\n", "\r\n").encode("utf-8"), 0),
        (lambda text: text.encode("cp1252", errors="replace"), 1),
    ],
    ids=["utf8-bom", "crlf", "latin1"],
)
def test_other_encodings_convert_to_the_same_graph(
    encode: object, warnings: int, tmp_path: Path
) -> None:
    page = sample("rabat-mantes-la-jolie")
    (tmp_path / "rabat-mantes-la-jolie.txt").write_bytes(encode(page))  # type: ignore[operator]
    result = run("convert", tmp_path, "--format", "ntriples")
    reference = run("convert", SAMPLES / "rabat-mantes-la-jolie.txt", "--format", "ntriples")
    assert result.exit_code == 0

    def strip(out: str) -> set[str]:
        return {line for line in out.splitlines() if "/graph/" not in line}

    if warnings == 0:
        assert strip(result.stdout) == strip(reference.stdout)
        assert "note: " in result.stderr and "rabat-mantes-la-jolie.txt" in result.stderr
    else:
        assert "rabat-mantes-la-jolie.txt:3: not UTF-8" in result.stderr


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = run("convert", tmp_path / "nope.txt", SAMPLES / "sale-woippy.txt")
    assert result.exit_code == 2
    assert "nope.txt: cannot read the file" in result.stderr
    assert "1 records" in result.stderr


def test_output_file_has_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.ttl"
    run("convert", SAMPLES, "-o", out)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_run_leaves_no_half_written_output(tmp_path: Path) -> None:
    out = tmp_path / "out.ttl"
    out.write_text("previous")
    result = run("convert", SAMPLES, "--format", "turtle", "-o", out, "--base", "not a url")
    assert result.exit_code == 2
    assert out.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [out]


def test_installed_command_runs() -> None:
    command = Path(sys.executable).parent / "coopgraph"
    result = subprocess.run(
        [command, "convert", SAMPLES, "--format", "nquads", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == int(result.stderr.split(" records, ")[1].split()[0])


def test_schema_command_prints_the_committed_schema() -> None:
    result = run("schema")
    committed = json.loads((SAMPLES.parents[1] / "converters" / "record.schema.json").read_text())
    assert json.loads(result.stdout) == committed


def test_deeply_nested_html_is_our_error(tmp_path: Path) -> None:
    (tmp_path / "deep.html").write_text("<div>" * 50_000 + "Titre")
    result = run("convert", tmp_path)
    assert result.exit_code == 2
    assert "nested too deeply" in result.stderr


def test_deeply_nested_json_is_our_error(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000)
    converted = run("convert", tmp_path)
    assert converted.exit_code == 2, converted.stderr
    assert "deep.json: JSON nested too deeply" in converted.stderr
    (tmp_path / "deep.jsonld").write_text('{"@id": "http://x/a", "http://x/p": ' + "[" * 100_000)
    validated = run("validate", tmp_path, "--lang", "en")
    assert validated.exit_code == 2, validated.stderr
    assert "deep.json: JSON nested too deeply" in validated.stdout
    assert "deep.jsonld: JSON-LD nested too deeply" in validated.stdout


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    page = sample("sale-woippy")
    for number in range(8):
        (tmp_path / f"p{number}.txt").write_text(page, encoding="utf-8")
    command = [str(Path(sys.executable).parent / "coopgraph"), "convert", str(tmp_path)]
    code, terminal = run_in_terminal(command)
    assert code == 0
    assert "converting" in terminal and "100%" in terminal
    piped = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "converting" not in piped.stderr
    summary = piped.stderr.strip()
    assert summary.startswith("8 records, ") and summary.endswith(" 0 warnings, 0 failures")


def test_a_folder_is_searched_in_path_order_without_hidden_entries_or_linked_folders(
    tmp_path: Path,
) -> None:
    for name in ["a/b/y.HTML", "a/x.txt", "a.d/m.htm", "a.txt", "Z.txt", "c/k.json", "c/k.bin"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    for hidden in [".h/z.txt", "a/.q.txt"]:
        (tmp_path / hidden).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / hidden).touch()
    (tmp_path / "link").symlink_to(tmp_path / "c")  # a loop in waiting: not followed
    (tmp_path / "c" / "l.txt").symlink_to(tmp_path / "a.txt")  # a linked file is a file
    missing = tmp_path / "missing.txt"

    files = input_files([tmp_path, missing])

    expected = ["Z.txt", "a/b/y.HTML", "a/x.txt", "a.d/m.htm", "a.txt", "c/k.json", "c/l.txt"]
    assert list(files) == [*(tmp_path / name for name in expected), missing]
    assert list(files) == [*sorted(files[:-1]), missing]  # what sorting the paths gives
    assert len(files) == 8 and files[1] == tmp_path / "a/b/y.HTML"
    assert list(files[1:3]) == [tmp_path / "a/b/y.HTML", tmp_path / "a/x.txt"]
