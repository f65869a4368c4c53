"""What the coopgraph commands share: options, output files, progress bars, conversion options."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

import click

from coopgraph import settings
from coopgraph.converters.to_rdf import ConversionOptions

T = TypeVar("T")
#: Below this many files no progress bar is worth drawing.
PROGRESS_MIN_FILES = 5

#: Options that several commands take, each written once.
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes (default: one a core this process may use, within a container's CPU quota).",
)
lang_option = click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True
)
base_option = click.option("--base", help=f"BASE of minted IRIs [env {settings.BASE.variable}].")


@contextmanager
def output_file(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a file written whole or not at all (temporary file, then renamed)."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
    ) as handle:
        try:
            yield handle
        except BaseException:
            handle.close()
            os.unlink(handle.name)
            raise
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle.name, 0o666 & ~umask)  # as other new files, not the 0600 of temp files
    os.replace(handle.name, target)


@contextmanager
def progress(
    items: Iterable[T], length: int, label: str, stdout_used: bool
) -> Iterator[Iterable[T]]:
    """A progress bar on standard error when it is a terminal the results do not also go to."""
    shown = sys.stderr.isatty() and length > PROGRESS_MIN_FILES
    if shown and not (stdout_used and sys.stdout.isatty()):
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


@contextmanager
def progress_steps(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """`advance(steps)` of a progress bar on standard error when it is a terminal (or nothing)."""
    with progress(range(length), length, label, stdout_used=False) as bar:
        yield getattr(bar, "update", lambda steps: None)  # a range when no bar is shown


def conversion_options(base: str | None, personal: bool | None) -> ConversionOptions:
    """Conversion options from the command line, falling back on the settings."""
    return ConversionOptions(
        base=settings.as_base(base),
        include_personal_data=(
            settings.as_bool(settings.PUBLISH_PERSONAL_DATA) if personal is None else personal
        ),
    )
