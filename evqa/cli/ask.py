"""`evqa ask` and `evqa search`: one question answered, or one query's passages ranked."""

from __future__ import annotations

from pathlib import Path

import click

from evqa.cli.common import handle_errors, open_engine
from evqa.cli.options import (
    check_query_flags,
    date_options,
    index_option,
    model_option,
    query_options,
)
from evqa.cli.output import console, print_json, stdout_is_tty


@click.command()
@click.argument("question")
@query_options
@date_options
@index_option
@model_option
@handle_errors
def ask(
    question: str,
    k: int | None,
    mode: str | None,
    as_json: bool,
    since: str | None,
    until: str | None,
    index: Path | None,
    model: Path | None,
) -> None:
    """Answer QUESTION from the articles, with the answer highlighted and cited.

    \b
    Examples:
      evqa ask "energy density of Jinshi battery"
      evqa ask "When did JAC Yiwei deliveries begin?" --json
      evqa ask "Who is the chairman of Yiwei?" -k 3 --mode bm25
      evqa ask "Who partnered with Nio?" --since 2023-01-01 --until 2023-12-31
    """
    engine = _checked_engine(question, "question", k, mode, since, until, index, model)
    answer = engine.ask(question, k=k, mode=mode, since=since, until=until)
    if as_json:
        print_json({**answer.to_dict(), "warnings": engine.answer_warnings(answer, since, until)})
        return
    from evqa.cli import render

    if stdout_is_tty():
        render.print_answer(console(), answer)
    else:
        click.echo(render.answer_plain(answer))


@click.command()
@click.argument("query")
@query_options
@click.option("--explain", is_flag=True, help="Show each retriever's rank, score and share.")
@date_options
@index_option
@model_option
@handle_errors
def search(
    query: str,
    k: int | None,
    mode: str | None,
    as_json: bool,
    explain: bool,
    since: str | None,
    until: str | None,
    index: Path | None,
    model: Path | None,
) -> None:
    """Rank the passages that match QUERY.

    \b
    Examples:
      evqa search "sodium-ion battery"
      evqa search "energy density" -k 10 --mode bm25 --explain
      evqa search "Nio FAW battery swap" --json
      evqa search "solid-state battery" --since 2020-12 --until 2021 --explain
    """
    engine = _checked_engine(query, "query", k, mode, since, until, index, model)
    hits = engine.search(query, k=k, mode=mode, since=since, until=until)
    if as_json:
        passages = [h.to_dict(explain=explain) for h in hits]
        print_json({"passages": passages, "warnings": engine.search_warnings(since, until)})
        return
    from evqa.cli import render

    if stdout_is_tty():
        render.print_hits(console(), hits, explain=explain)
    else:
        click.echo(render.hits_plain(hits, explain=explain))


def _checked_engine(
    text: str,
    what: str,
    k: int | None,
    mode: str | None,
    since: str | None,
    until: str | None,
    index: Path | None,
    model: Path | None,
):
    """The engine, opened once the question (``what="query"``: the query) and the flags
    have passed their checks: a mistake fails fast, before anything is loaded. Text with
    no words at all ("???") is refused (evqa.question_text). A query without content words
    ("what is it") is refused too, as Engine.search refuses it, but before the index is
    opened: it has nothing to rank passages by (a question of function words only is
    answered "not found" with the reason, by Engine.ask)."""
    from evqa.dates import date_range
    from evqa.question_content import searchable
    from evqa.question_text import EXAMPLES, clean_question

    # the library's example is a bare question (it may be asked from Python or over HTTP);
    # here the command that asks it is the useful hint
    command = "ask" if what == "question" else "search"
    text = clean_question(text, what, example=f"evqa {command} {EXAMPLES[what]}")
    if what == "query":
        searchable(text)
    check_query_flags(k, mode)
    date_range(since, until, ("--since", "--until"))
    return open_engine(index, model, k=k, mode=mode)
