"""The command-line frame every ``eval/`` script shares (not a script itself): its
docstring is its ``--help``, the text before the ``examples:`` line the description and
the rest the epilog, laid out as written."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def parser(doc: str, about: str | None = None) -> argparse.ArgumentParser:
    """An ArgumentParser for a script whose docstring is ``doc``; ``about`` replaces the
    description (a script whose docstring is long gives its first paragraph)."""
    head, _, examples = doc.partition("\nexamples:\n")
    return argparse.ArgumentParser(
        description=head if about is None else about,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def set_name(gold: str | Path) -> str:
    """The name a gold set goes by in reports and cache names: its file's stem
    (``eval/gold/fresh8.jsonl``: fresh8), or, for a file named ``gold.jsonl``, its folder's
    name (``eval/train-news/t05/gold.jsonl``: t05)."""
    path = Path(gold)
    return path.parent.name if path.name == "gold.jsonl" else path.stem


def write_manifest(path: Path, manifest: dict) -> None:
    """Write a reader's ``manifest.json`` (indented, with a final newline) in one swap: a
    failure leaves the file as it was, never half-written (``evqa.store.atomic_path``)."""
    from evqa.store import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
