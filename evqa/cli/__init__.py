"""The `evqa` command line: a thin layer over evqa.engine, evqa.build and evqa.evaluation.

Results go to stdout; notices, progress and warnings go to stderr. Every EvqaError
becomes a one-line message and its exit code, never a traceback.

One module per command (`index` is a subpackage of them); options.py, output.py and
common.py hold what the commands share, render.py formats answers, passages and tables
for people, and chat_loop.py is the session behind `evqa chat`. Library modules are
imported inside the commands, so that `evqa ask` starts fast.
"""

from __future__ import annotations

import os

import click

from evqa.cli import ask, chat, common, index, serve
from evqa.cli import eval as eval_module  # not `eval`, the builtin


@click.group(cls=common.Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="evqa")
def cli() -> None:
    """Offline question answering over news articles, with cited answers.

    \b
    Examples:
      evqa ask "energy density of Jinshi battery"
      evqa search "solid-state battery alliance" -k 3 --explain
      evqa index build --corpus my_articles/ --index my_index/
      evqa ask "Who chairs Yiwei?" --index my_index/ --json
      evqa chat
      evqa eval --gold eval/gold/seeds.jsonl --mode all
    """


cli.add_command(ask.ask)
cli.add_command(ask.search)
cli.add_command(chat.chat)
cli.add_command(serve.serve)
cli.add_command(index.index)
cli.add_command(eval_module.eval_cmd)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    common.own_the_process()
    try:
        cli(prog_name="evqa")
    except SystemExit as e:
        # Ctrl-C, or a SIGTERM while writing an index: said and cleaned up by handle_errors
        if e.code in (common.EXIT_INTERRUPTED, common.EXIT_TERMINATED):
            common.end_interrupted(e.code)
        common.ctrl_c_ends_at_once()
        raise
