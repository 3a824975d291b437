"""`evqa index build`, `add` and `remove`: the commands that write an index. Each writes
it under ``terminated_cleanly``: a SIGTERM cleans up as Ctrl-C does (exit 143)."""

from __future__ import annotations

from pathlib import Path

import click

from evqa import config
from evqa.cli.common import handle_errors, resolve_model, terminated_cleanly
from evqa.cli.index.options import backend_options, build_options, wait_option
from evqa.cli.index.resolve import backend_choice, build_args, build_corpus, index_root
from evqa.cli.options import (
    NonEmptyPath,
    corpus_option,
    index_option,
    json_option,
    model_option,
)
from evqa.cli.output import ProgressBars, err, print_json
from evqa.errors import InputError


@click.command("build")
@corpus_option(
    "Folder of .txt/.md/.html files, or a .jsonl file [env EVQA_CORPUS; default: the "
    "index's own corpus (an index edited with add/remove: its articles), else seeds/]."
)
@index_option
@model_option
@backend_options
@build_options
@handle_errors
def index_build(
    corpus, index, model, backend, uri, collection, skip_bad, wait, as_json, **settings
) -> None:
    """Build or refresh an index from a corpus (only changed chunks are embedded).

    With --backend milvus the chunks go to a Milvus collection (needs the milvus extra);
    the build streams in batches and a rerun resumes an interrupted one.

    \b
    Examples:
      evqa index build
      evqa index build --corpus ~/articles --index ~/articles.idx
      evqa index build --corpus news.jsonl --index news.idx --skip-bad
      evqa index build --model ~/models/all-MiniLM-L6-v2 --chunk-size 800
      evqa index build --encoder torch   # re-embeds with sentence-transformers
      evqa index build --corpus news.jsonl --index news.idx --backend milvus --uri news.db
      EVQA_MILVUS_TOKEN=user:pass evqa index build --corpus news.jsonl --index news.idx \\
          --backend milvus --uri http://milvus:19530 --collection news
    """
    from evqa.build import build, rebuild

    kind, uri, collection = backend_choice(index_root(index), backend, uri, collection)
    root, kwargs = build_args(index, model, settings)
    corpus = build_corpus(root, corpus)
    if corpus is None and kind == "milvus":
        raise InputError(
            f"{root} was edited with evqa index add/remove and records no corpus; "
            "pass the corpus to build from with --corpus"
        )
    with terminated_cleanly(), ProgressBars() as progress:
        kwargs.update(wait=wait, progress=progress)
        if corpus is None:
            report = rebuild(root, **kwargs)
        else:
            where = {"backend": kind, "uri": uri, "collection": collection}
            report = build(corpus, root, **kwargs, **where, skip_bad=skip_bad)
    _finish_build(report, as_json)


@click.command("add")
@click.argument("paths", nargs=-1, required=True, type=NonEmptyPath(path_type=Path))
@index_option
@model_option
@build_options
@handle_errors
def index_add(paths, index, model, skip_bad, wait, as_json, **settings) -> None:
    """Add articles (files, folders or .jsonl) to an index; an existing id is replaced.

    An article the index already holds unchanged is left as it is, and counted unchanged;
    when all of them are (and the settings and model are the index's), nothing is written.

    \b
    Examples:
      evqa index add new_story.txt --index my_index/
      evqa index add more_articles/ extra.jsonl --index my_index/
    """
    from evqa.build import add

    root, kwargs = build_args(index, model, settings)
    with terminated_cleanly(), ProgressBars() as progress:
        report = add(list(paths), root, **kwargs, skip_bad=skip_bad, wait=wait, progress=progress)
    _finish_build(report, as_json, "add")


@click.command("remove")
@click.argument("ids", nargs=-1)
@click.option(
    "--from-file",
    "id_file",
    type=NonEmptyPath(dir_okay=False, allow_dash=True, path_type=Path),
    help="Also remove the ids in this file, one per line ('-': standard input; blank lines "
    "and lines starting with # are skipped).",
)
@index_option
@model_option
@wait_option
@json_option("Print the report as JSON.")
@handle_errors
def index_remove(ids, id_file, index, model, wait, as_json) -> None:
    """Remove articles by id from an index.

    \b
    Examples:
      evqa index remove 004_1b31b26ffe040619 --index my_index/
      evqa index remove --from-file old_ids.txt --index my_index/
      grep ^2019 ids.txt | evqa index remove --from-file - --index my_index/
    """
    from evqa.build import remove

    listed = _read_ids(id_file) if id_file is not None else []
    if id_file is not None and not listed and not ids:
        raise InputError(
            f"--from-file {_file_name(id_file)} holds no ids (blank and # lines are skipped)"
        )
    ids = list(ids) + listed
    if not ids:
        raise InputError("give the ids to remove, or a file of them with --from-file")
    root = index_root(index)
    with terminated_cleanly(), ProgressBars() as progress:
        report = remove(
            ids,
            root,
            model=resolve_model(model),
            cache_dir=Path(config.resolve("cache_dir")),
            wait=wait,
            progress=progress,
        )
    _finish_build(report, as_json, "remove")


def _read_ids(path: Path) -> list[str]:
    """The ids in ``path`` ('-': stdin), one per line; blank and # lines skipped."""
    import sys

    name = _file_name(path)
    try:
        if str(path) == "-":
            text = sys.stdin.buffer.read().decode("utf-8-sig")
        else:
            text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"--from-file {name} is not UTF-8 text; save it as UTF-8") from None
    except OSError as e:
        raise InputError(f"cannot read --from-file {name}: {e.strerror or e}") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _file_name(path: Path) -> str:
    return "standard input" if str(path) == "-" else str(path)


def _finish_build(report, as_json: bool, command: str = "build") -> None:
    for w in report.warnings:
        err(f"warning: {w}")
    if report.replaced:
        err(f"warning: {_replaced_text(report.replaced)}")
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(_summary(report, command))


def _summary(report, command: str) -> str:
    """The report's line: what an add or remove changed (an add: and how many of its
    articles the index already held unchanged, if any), then what the index holds (an add
    that wrote nothing: that it did, and what the index still holds)."""
    resumed = f", {report.resumed} of them from an interrupted build" if report.resumed else ""
    holds = (
        f"{_count(report.articles, 'article')}, {_count(report.chunks, 'chunk')} "
        f"({report.embedded} embedded, {report.reused} reused{resumed})"
    )
    took = f"in {report.seconds:.1f}s"
    if command == "remove":
        removed = _count(len(report.removed), "article")
        return f"removed {removed}; {report.index} now holds {holds}, {took}"
    if command == "add":
        unchanged = f", {len(report.unchanged)} unchanged" if report.unchanged else ""
        changed = (
            f"added {_count(len(report.added), 'new article')}, replaced "
            f"{_count(len(report.replaced), 'article')}{unchanged}"
        )
        if not report.written:
            held = f"{_count(report.articles, 'article')}, {_count(report.chunks, 'chunk')}"
            return f"{changed}; nothing written, {report.index} still holds {held}, {took}"
        return f"{changed}; {report.index} now holds {holds}, {took}"
    return f"indexed {holds} into {report.index} {took}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _replaced_text(ids: tuple[str, ...], shown: int = 10) -> str:
    """What `index add` says of the indexed articles it replaced (ids from a file name or a
    JSONL line: printable)."""
    from evqa.corpus import printable

    n = len(ids)
    names = ", ".join(printable(i) for i in ids[:shown])
    if n > shown:
        names += f" and {n - shown} more (all in --json)"
    article = "article" if n == 1 else "articles"
    return (
        f"replaced {n} {article} already in the index with the same id: {names} (an added "
        "article replaces the indexed one with its id; to keep both, add the replaced one "
        "back and this one under another id, e.g. from a renamed file)"
    )
