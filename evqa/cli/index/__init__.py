"""`evqa index`: the group of commands that build, inspect and update an index."""

from __future__ import annotations

import click

from evqa.cli.index import build, status


@click.group()
def index() -> None:
    """Build, inspect and update an index.

    \b
    Examples:
      evqa index build
      evqa index build --corpus articles.jsonl --index my_index/
      evqa index status --index my_index/
      evqa index add new_article.txt --index my_index/
      evqa index remove 004_1b31b26ffe040619 --index my_index/
      evqa index verify
    """


index.add_command(build.index_build)
index.add_command(build.index_add)
index.add_command(build.index_remove)
index.add_command(status.index_status)
index.add_command(status.index_verify)
