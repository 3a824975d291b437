"""`evqa chat`: a terminal session of questions over an index loaded once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evqa.cli.common import handle_errors, open_engine
from evqa.cli.options import check_query_flags, index_option, model_option, query_options


@click.command()
@query_options
@index_option
@model_option
@handle_errors
def chat(
    k: int | None, mode: str | None, as_json: bool, index: Path | None, model: Path | None
) -> None:
    """Ask questions in a terminal session; the index loads once.

    Type /help for commands (/sources, /k N, /mode M, /quit). A session typed at the
    prompt shows each error as it comes and ends 0 when you leave it. Questions can
    also be piped in, one per line, as a script: errors name their input line, and the
    exit code is 2 when any line was refused.

    \b
    Examples:
      evqa chat
      printf 'energy density of Jinshi battery\\nWho chairs Yiwei?\\n' | evqa chat --json
    """
    from evqa.cli.chat_loop import run_chat

    check_query_flags(k, mode)
    engine = open_engine(index, model, k=k, mode=mode)
    sys.exit(run_chat(engine, json_mode=as_json))
