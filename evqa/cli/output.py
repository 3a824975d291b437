"""What the commands write: results on stdout (JSON, plain text or rich on a terminal);
notices, warnings and progress bars on stderr."""

from __future__ import annotations

import sys
from typing import Any

import click


def err(message: str) -> None:
    click.echo(message, err=True)


def notice(message: str) -> None:
    err(f"notice: {message}")


def print_json(data: Any) -> None:
    import json  # here, not at the top: `import evqa.cli` stays fast

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def console(stderr: bool = False):
    from evqa.cli.render import make_console

    return make_console(stderr=stderr)


class ProgressBars:
    """Rich progress bars on stderr for the build stages; silent when not a terminal."""

    LABELS = {
        "analyse": "Analysing articles",
        "embed": "Embedding chunks",
        "articles": "Indexing articles",
    }

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self):
        if self.quiet:
            return None
        stderr = console(stderr=True)
        if not stderr.is_terminal:  # a log file or pipe gets no bars (nor blank lines)
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        )
        self.bar.start()
        return self.update

    def update(self, stage: str, advance: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(self.LABELS.get(stage, stage), total=total)
        if total is not None:
            self.bar.update(self.tasks[stage], total=total)
        if advance:
            self.bar.advance(self.tasks[stage], advance)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
