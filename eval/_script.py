"""The command-line frame every ``eval/`` script shares (not a script itself): its
docstring is its ``--help``, the text before the ``examples:`` line the description and
the rest the epilog, laid out as written."""

from __future__ import annotations

import argparse


def parser(doc: str, about: str | None = None) -> argparse.ArgumentParser:
    """An ArgumentParser for a script whose docstring is ``doc``; ``about`` replaces the
    description (a script whose docstring is long gives its first paragraph)."""
    head, _, examples = doc.partition("\nexamples:\n")
    return argparse.ArgumentParser(
        description=head if about is None else about,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
