"""The click options several commands share, and the checks of their values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from evqa import config

MODE_CHOICE = click.Choice(config.MODES)


class NonEmptyPath(click.Path):
    """click.Path that refuses an empty value: Path("") is the current folder, so
    ``--corpus ""`` would index whatever folder the command runs in."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            default = ", or leave the option out" if isinstance(param, click.Option) else ""
            self.fail(f"is empty; give a path{default}", param, ctx)
        return super().convert(value, param, ctx)


class OutputFile(NonEmptyPath):
    """An eval output file: refused as evqa.evaluation.result.output_file refuses it (a
    path ending in a slash names a folder), before click's Path drops the slash."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)  # the command says when it is a folder

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            from evqa.errors import InputError
            from evqa.evaluation.result import output_file

            try:
                output_file(value)
            except InputError as e:
                self.fail(str(e), param, ctx)
        return super().convert(value, param, ctx)


def stack(*options: Callable) -> Callable:
    """One decorator made of several click options, listed in --help in the order given."""

    def decorate(fn: Callable) -> Callable:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def json_option(text: str = "Print JSON.") -> Callable:
    return click.option("--json", "as_json", is_flag=True, help=text)


def corpus_option(text: str) -> Callable:
    """--corpus: a folder of articles or a .jsonl file; ``text`` says what the command does
    with it."""
    return click.option("--corpus", type=NonEmptyPath(path_type=Path), default=None, help=text)


index_option = click.option(
    "--index",
    "index",
    type=NonEmptyPath(path_type=Path),
    default=None,
    help="Index folder [env EVQA_INDEX; default: the project's index/].",
)

model_option = click.option(
    "--model",
    "model",
    type=NonEmptyPath(path_type=Path),
    default=None,
    help="A local sentence-transformers folder [env EVQA_MODEL; default: bundled "
    "all-MiniLM-L6-v2].",
)

query_options = stack(
    json_option(),
    click.option(
        "--mode",
        type=MODE_CHOICE,
        default=None,
        help="Retriever: hybrid, bm25 or dense [env EVQA_MODE; default hybrid].",
    ),
    click.option(
        "-k",
        "k",
        type=int,
        default=None,
        help=f"Number of passages [env EVQA_K; default {config.DEFAULTS['k']}].",
    ),
)

date_options = stack(
    click.option(
        "--since",
        default=None,
        metavar="DATE",
        help="Only articles dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).",
    ),
    click.option(
        "--until",
        default=None,
        metavar="DATE",
        help="Only articles dated on or before DATE (YYYY, YYYY-MM or YYYY-MM-DD).",
    ),
)


def check_query_flags(k: int | None, mode: str | None) -> None:
    if k is not None:
        config.check_k(k, "-k")
    if mode is not None:
        config.check_mode(mode)
