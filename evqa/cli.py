"""The `evqa` command line: a thin layer over evqa.engine, evqa.build and evqa.evaluation.

Results go to stdout; notices, progress and warnings go to stderr. Every EvqaError
becomes a one-line message and its exit code, never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from evqa import config
from evqa.errors import EvqaError, InputError

MODE_CHOICE = click.Choice(config.MODES)


# --- shared plumbing -------------------------------------------------------------------


def _err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into `error: ...` on stderr and the error's exit code. A closed
    stdout is an error; a reader that leaves the pipe early (`| head`) ends us quietly
    with 141, as SIGPIPE ends other commands."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            if sys.stdout is None:  # started with stdout closed (`1>&-`)
                raise EvqaError(
                    "standard output is closed; send it somewhere, e.g. > out.txt or > /dev/null"
                )
            return fn(*args, **kwargs)
        except EvqaError as e:
            _err(f"error: {e}")
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        except BrokenPipeError:
            _drop_stdout()
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as e:  # disk full, permission denied... never a traceback
            _err(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}".rstrip(": "))
            sys.exit(1)

    return wrapper


EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail again on
    the closed pipe (and print 'Exception ignored...')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests), or no stdout
        pass


def index_option(fn):
    return click.option(
        "--index",
        "index",
        type=click.Path(path_type=Path),
        default=None,
        help="Index folder [env EVQA_INDEX; default: the project's index/].",
    )(fn)


def model_option(fn):
    return click.option(
        "--model",
        "model",
        type=click.Path(path_type=Path),
        default=None,
        help="A local sentence-transformers folder [env EVQA_MODEL; default: bundled "
        "all-MiniLM-L6-v2].",
    )(fn)


def query_options(fn):
    fn = click.option(
        "-k",
        "k",
        type=int,
        default=None,
        help=f"Number of passages [env EVQA_K; default {config.DEFAULTS['k']}].",
    )(fn)
    fn = click.option(
        "--mode",
        type=MODE_CHOICE,
        default=None,
        help="Retriever: hybrid, bm25 or dense [env EVQA_MODE; default hybrid].",
    )(fn)
    fn = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)
    return fn


def date_options(fn):
    fn = click.option(
        "--until",
        default=None,
        metavar="DATE",
        help="Only articles dated on or before DATE (YYYY, YYYY-MM or YYYY-MM-DD).",
    )(fn)
    fn = click.option(
        "--since",
        default=None,
        metavar="DATE",
        help="Only articles dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).",
    )(fn)
    return fn


def _console(stderr: bool = False):
    from evqa.render import make_console

    return make_console(stderr=stderr)


def _check_query_flags(k: int | None, mode: str | None) -> None:
    if k is not None:
        config.check_k(k, "-k")
    if mode is not None:
        config.check_mode(mode)


def _open_engine(
    index: Path | None,
    model: Path | None = None,
    quiet: bool = False,
    k: int | None = None,
    mode: str | None = None,
):
    """Engine.open with the -k/--mode flags, which win over EVQA_K/EVQA_MODE."""
    from evqa.engine import Engine

    with _progress(quiet) as progress:
        return Engine.open(
            index,
            model=model,
            notice=None if quiet else _notice,
            progress=progress,
            k=k,
            mode=mode,
        )


def _notice(message: str) -> None:
    _err(f"notice: {message}")


class _progress:
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
        console = _console(stderr=True)
        if not console.is_terminal:  # a log file or pipe gets no bars (nor blank lines)
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
            console=console,
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


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


# --- the commands --------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command()
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
    from evqa.dates import date_range
    from evqa.engine import clean_question

    clean_question(question)  # fail fast, before loading anything
    _check_query_flags(k, mode)
    date_range(since, until, ("--since", "--until"))
    engine = _open_engine(index, model, k=k, mode=mode)
    answer = engine.ask(question, k=k, mode=mode, since=since, until=until)
    if as_json:
        _print_json(answer.to_dict())
        return
    from evqa import render

    if _stdout_is_tty():
        render.print_answer(_console(), answer)
    else:
        click.echo(render.answer_plain(answer))


@cli.command()
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
      evqa search "battery swap" --since 2024-03 --explain
    """
    from evqa.dates import date_range
    from evqa.engine import clean_question

    clean_question(query, "query")
    _check_query_flags(k, mode)
    date_range(since, until, ("--since", "--until"))
    engine = _open_engine(index, model, k=k, mode=mode)
    hits = engine.search(query, k=k, mode=mode, since=since, until=until)
    if as_json:
        _print_json([h.to_dict(explain=explain) for h in hits])
        return
    from evqa import render

    if _stdout_is_tty():
        render.print_hits(_console(), hits, explain=explain)
    else:
        click.echo(render.hits_plain(hits, explain=explain))


@cli.command()
@query_options
@index_option
@model_option
@handle_errors
def chat(
    k: int | None, mode: str | None, as_json: bool, index: Path | None, model: Path | None
) -> None:
    """Ask questions in a terminal session; the index loads once.

    Type /help for commands (/sources, /k N, /mode M, /quit). Questions can also be
    piped in, one per line.

    \b
    Examples:
      evqa chat
      printf 'energy density of Jinshi battery\\nWho chairs Yiwei?\\n' | evqa chat --json
    """
    from evqa.chat import run_chat

    _check_query_flags(k, mode)
    engine = _open_engine(index, model, k=k, mode=mode)
    sys.exit(run_chat(engine, json_mode=as_json))


@cli.command()
@index_option
@model_option
@click.option(
    "--host",
    default=None,
    help="Address to listen on [env EVQA_HOST; default 127.0.0.1, this machine only]. "
    "Any other address is reachable from the network: add --token.",
)
@click.option(
    "--port",
    type=int,
    default=None,
    help=f"Port [env EVQA_PORT; default {config.DEFAULTS['port']}; 0 picks a free one].",
)
@click.option(
    "--token",
    default=None,
    help="Require 'Authorization: Bearer TOKEN' on the API [env EVQA_TOKEN, which keeps "
    "it out of the process list].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the address as JSON once ready.")
@handle_errors
def serve(
    index: Path | None,
    model: Path | None,
    host: str | None,
    port: int | None,
    token: str | None,
    as_json: bool,
) -> None:
    """Serve the JSON API and the web page until Ctrl-C; the index loads once.

    Needs the serve extra: pip install -e '.[serve]'. A rebuild of the index while
    it runs is picked up at the next request.

    \b
    Examples:
      evqa serve                                  # then open http://127.0.0.1:8000/
      evqa serve --index news.idx --port 8080
      EVQA_TOKEN=s3cret evqa serve --host 0.0.0.0
      curl -s localhost:8000/ask -H 'content-type: application/json' \\
           -d '{"question": "energy density of Jinshi battery"}'
    """
    try:
        from evqa.serve import server
    except ModuleNotFoundError as e:  # pragma: no cover - depends on the install
        raise EvqaError(
            f"evqa serve needs the serve extra ({e.name} is missing): pip install -e '.[serve]'"
        ) from None
    host = str(config.resolve("host", host))
    port = int(config.resolve("port", port))
    token = config.resolve("token", token)
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 0 and 65535 (got {port})")
    if warning := server.exposure_warning(host, token):
        _err(f"warning: {warning}")
    from evqa.engine import Engine

    def opener(check_stale: bool) -> Engine:
        return Engine.open(index, model=model, check_stale=check_stale, notice=_notice)

    def ready(url: str) -> None:
        if as_json:
            click.echo(json.dumps({"url": url}), nl=True)
            sys.stdout.flush()
        _err(f"serving {url} (Ctrl-C to stop)")

    server.serve(opener, host, port, token, ready)


# --- evqa index ------------------------------------------------------------------------


@cli.group()
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


def build_options(fn):
    fn = click.option(
        "--chunk-size",
        type=int,
        default=None,
        help=f"Characters per chunk [default {config.DEFAULTS['chunk_size']}].",
    )(fn)
    fn = click.option(
        "--chunk-overlap",
        type=int,
        default=None,
        help="Sentences shared by neighbouring chunks "
        f"[default {config.DEFAULTS['chunk_overlap']}].",
    )(fn)
    fn = click.option(
        "--encoder",
        type=click.Choice(list(config.ENCODERS)),
        default=None,
        help="How documents are embedded: int8 or fp32 ONNX (onnxruntime) or torch "
        "(sentence-transformers) [env EVQA_ENCODER; default: the index's, else "
        f"{config.DEFAULTS['encoder']}].",
    )(fn)
    fn = click.option(
        "--ner/--no-ner",
        "analysis",
        default=None,
        help="Run spaCy entity recognition at index time [default: on].",
    )(fn)
    fn = click.option(
        "--skip-bad",
        is_flag=True,
        help="Skip malformed JSONL lines and duplicate ids with a warning instead of failing.",
    )(fn)
    fn = click.option(
        "--wait",
        type=float,
        default=0.0,
        show_default=True,
        help="Seconds to wait for another build of the same index.",
    )(fn)
    fn = click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")(fn)
    return fn


def _finish_build(report, as_json: bool) -> None:
    for w in report.warnings:
        _err(f"warning: {w}")
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(
            f"indexed {report.articles} articles, {report.chunks} chunks "
            f"({report.embedded} embedded, {report.reused} reused) into {report.index} "
            f"in {report.seconds:.1f}s"
        )


def _resolve_model(model: Path | None):
    from evqa.encoder import resolve_model

    return resolve_model(
        config.resolve("model", model), cache_dir=Path(config.resolve("cache_dir"))
    )


def _live_settings(root: Path) -> dict[str, Any] | None:
    from evqa import store
    from evqa.errors import IndexCorruptError, IndexNotFoundError

    try:
        return store.open_generation(root).manifest.get("settings")
    except (IndexNotFoundError, IndexCorruptError):
        return None


def backend_options(fn):
    fn = click.option(
        "--collection",
        default=None,
        help="Milvus collection [env EVQA_MILVUS_COLLECTION; default evqa_<index folder name>].",
    )(fn)
    fn = click.option(
        "--uri",
        default=None,
        help="Milvus: a milvus-lite file (news.db) or a server (http://host:19530) "
        "[env EVQA_MILVUS_URI; default INDEX/milvus.db]. A token comes from EVQA_MILVUS_TOKEN.",
    )(fn)
    fn = click.option(
        "--backend",
        type=click.Choice(["local", "milvus"]),
        default=None,
        help="Where the chunks live [env EVQA_BACKEND; default: the index's, else local].",
    )(fn)
    return fn


def _backend_choice(root: Path, backend, uri, collection) -> tuple[str, str | None, str | None]:
    """(backend, uri, collection) by flag > EVQA_* env > the live manifest > default."""
    from evqa import store
    from evqa.backends import backend_type, check_backend
    from evqa.errors import IndexCorruptError, IndexNotFoundError

    try:
        manifest = store.open_generation(root).manifest
        recorded = backend_type(manifest)
    except (IndexNotFoundError, IndexCorruptError):
        manifest, recorded = {}, None
    kind = check_backend(str(config.resolve("backend", backend, {"backend": recorded})))
    if kind != "milvus":
        if uri or collection:
            raise InputError("--uri and --collection are for --backend milvus")
        return kind, None, None
    entry = manifest.get("backend") or {} if recorded == "milvus" else {}
    if entry:
        from evqa.backends.milvus import resolve_uri

        entry = {**entry, "uri": resolve_uri(entry, root)}
    uri = config.resolve("milvus_uri", uri, {"milvus_uri": entry.get("uri")})
    collection = config.resolve(
        "milvus_collection", collection, {"milvus_collection": entry.get("collection")}
    )
    return kind, uri, collection


def _backend_of(root: Path) -> str:
    from evqa import store
    from evqa.backends import backend_type

    return backend_type(store.open_generation(root).manifest)


@index.command("build")
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of .txt/.md/.html files, or a .jsonl file [env EVQA_CORPUS; default: the "
    "index's own corpus (an index edited with add/remove: its articles), else seeds/].",
)
@index_option
@model_option
@backend_options
@build_options
@handle_errors
def index_build(
    corpus,
    index,
    model,
    backend,
    uri,
    collection,
    chunk_size,
    chunk_overlap,
    encoder,
    analysis,
    skip_bad,
    wait,
    as_json,
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

    root = Path(config.resolve("index", index))
    kind, uri, collection = _backend_choice(root, backend, uri, collection)
    root, kwargs = _build_args(index, model, chunk_size, chunk_overlap, encoder, analysis)
    corpus = _build_corpus(root, corpus)
    if corpus is None and kind == "milvus":
        raise InputError(
            f"{root} was edited with evqa index add/remove and records no corpus; "
            "pass the corpus to build from with --corpus"
        )
    with _progress() as progress:
        if corpus is None:
            report = rebuild(root, **kwargs, wait=wait, progress=progress)
        elif kind == "milvus":
            from evqa.backends import milvus

            report = milvus.build(
                corpus,
                root,
                uri=uri,
                collection=collection,
                **kwargs,
                skip_bad=skip_bad,
                wait=wait,
                progress=progress,
            )
        else:
            report = build(corpus, root, **kwargs, skip_bad=skip_bad, wait=wait, progress=progress)
    _finish_build(report, as_json)


_OWN_ARTICLES = object()  # an edited index's "corpus": the articles it holds


def _build_corpus(root: Path, flag: Path | None) -> Path | None:
    """The corpus to build ``root`` from: flag > EVQA_CORPUS > the corpus the index
    records > seeds/. None for an index edited with add/remove (it records no corpus):
    it is rebuilt from the articles it holds."""
    from evqa import store
    from evqa.staleness import corpus_path

    manifest = store.recorded_manifest(root)
    recorded = None
    if manifest is not None:
        recorded = corpus_path(manifest, root)
        if recorded is None and (manifest.get("corpus") or {}).get("edited"):
            recorded = _OWN_ARTICLES
    chosen = config.resolve("corpus", flag, {"corpus": recorded})
    return None if chosen is _OWN_ARTICLES else Path(chosen)


def _build_args(index, model, chunk_size, chunk_overlap, encoder, analysis) -> tuple[Path, dict]:
    """The index folder, and the model/settings/cache arguments shared by build and add.
    Settings resolve as flag > EVQA_* env > the live index's manifest > default."""
    from evqa.build import resolve_settings

    root = Path(config.resolve("index", index))
    flags = {
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "encoder": encoder,
        "analysis": analysis,
    }
    return root, {
        "model": _resolve_model(model),
        "settings": resolve_settings(flags, _live_settings(root)),
        "cache_dir": Path(config.resolve("cache_dir")),
    }


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@model_option
@build_options
@handle_errors
def index_add(
    paths, index, model, chunk_size, chunk_overlap, encoder, analysis, skip_bad, wait, as_json
) -> None:
    """Add articles (files, folders or .jsonl) to an index; an existing id is replaced.

    \b
    Examples:
      evqa index add new_story.txt --index my_index/
      evqa index add more_articles/ extra.jsonl --index my_index/
    """
    from evqa.build import add

    root, kwargs = _build_args(index, model, chunk_size, chunk_overlap, encoder, analysis)
    if _backend_of(root) == "milvus":
        from evqa.backends.milvus import add
    with _progress() as progress:
        report = add(list(paths), root, **kwargs, skip_bad=skip_bad, wait=wait, progress=progress)
    _finish_build(report, as_json)


@index.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_option
@model_option
@click.option(
    "--wait",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for another build of the same index.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def index_remove(ids, index, model, wait, as_json) -> None:
    """Remove articles by id from an index.

    \b
    Example:
      evqa index remove 004_1b31b26ffe040619 --index my_index/
    """
    from evqa.build import remove

    root = Path(config.resolve("index", index))
    if _backend_of(root) == "milvus":
        from evqa.backends.milvus import remove
    with _progress() as progress:
        report = remove(
            list(ids),
            root,
            model=_resolve_model(model),
            cache_dir=Path(config.resolve("cache_dir")),
            wait=wait,
            progress=progress,
        )
    _finish_build(report, as_json)


@index.command("status")
@index_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def index_status(index, model, as_json) -> None:
    """Show corpus and index figures, and whether the index is stale.

    \b
    Examples:
      evqa index status
      evqa index status --index my_index/ --json
    """
    from evqa import store
    from evqa.corpus import printable
    from evqa.staleness import corpus_path, corpus_warning, edited_warning, stale_reasons

    root = Path(config.resolve("index", index))
    gen = store.open_generation(root)
    m = gen.manifest
    info = _resolve_model(config.resolve("model", model, {"model": _existing(m["model"]["path"])}))
    reasons = stale_reasons(m, root, info.sha256)
    gone, edited = corpus_warning(m, root), edited_warning(m, root)
    unchecked = gone or edited
    from evqa.backends import backend_type

    kind = backend_type(m)
    problems: list[str] = []  # what `index verify` would report: exit 3
    if kind == "milvus":
        from evqa.backends.milvus import status_of

        remote = status_of(gen)
        if not remote["complete"]:
            reasons = ["the Milvus build did not finish", *reasons]
        counts = {"articles": remote["articles"], "chunks": remote["chunks"]}
        ids = remote["article_ids"]
        problems = list(remote["problems"])
    else:
        from evqa import indexdata

        data = indexdata.load(gen)
        counts = {"articles": len(data.articles), "chunks": len(data.chunks)}
        ids = sorted(data.articles)
    corpus = corpus_path(m, root)
    status = {
        "index": str(root),
        "generation": gen.path.name,
        "created": m.get("created"),
        "format_version": m.get("format_version"),
        "corpus": printable(str(corpus)) if corpus else None,
        "backend": m.get("backend") or {"type": "local"},
        "articles": counts["articles"],
        "chunks": counts["chunks"],
        "article_ids": ids,
        "model": m["model"],
        "settings": m.get("settings"),
        "dense": m.get("dense"),
        "size_bytes": sum(f["size"] for f in m["files"].values()),
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "problems": problems,
        "warnings": [unchecked] if unchecked else [],
    }
    if unchecked:
        _err(f"warning: {unchecked}")
    if as_json:
        _print_json(status)
        if problems:
            sys.exit(3)
        return
    lines = [
        f"index      {root} ({gen.path.name}, built {status['created']})",
        f"corpus     {status['corpus'] or '(edited with index add/remove)'}",
        f"articles   {status['articles']}",
        f"chunks     {status['chunks']}",
        f"backend    {_backend_line(status['backend'])}",
        f"model      {m['model']['name']} (sha256 {m['model']['sha256'][:12]}…, "
        f"dim {m['model']['dim']})",
        f"dense      {status['dense']}",
        f"settings   {status['settings']}",
        f"size       {status['size_bytes'] / 1e6:.2f} MB",
        "status     "
        + (
            "STALE: " + "; ".join(reasons)
            if reasons
            else "not checked (the corpus is gone)"
            if gone
            else "not checked (edited with index add/remove)"
            if edited
            else "up to date"
        ),
        *(f"problem    {p}" for p in problems),
    ]
    click.echo("\n".join(lines))
    if problems:
        from evqa.backends.milvus import rebuild_command

        entry = m.get("backend") or {}
        _err(
            "error: the Milvus build did not finish; finish it with the command above"
            if not entry.get("complete")
            else "error: the index does not hold what its build recorded; rebuild it with: "
            + rebuild_command(root, m)
        )
        sys.exit(3)
    if reasons:
        corpus_flag = f" --corpus {status['corpus']}" if corpus else ""
        _err(f"hint: rebuild with: evqa index build --index {root}{corpus_flag}")


def _backend_line(entry: dict[str, Any]) -> str:
    if entry.get("type") != "milvus":
        return "local"
    state = "complete" if entry.get("complete") else "INCOMPLETE"
    return f"milvus {entry.get('uri')} collection {entry.get('collection')} ({state})"


def _existing(path: str | None) -> Path | None:
    return Path(path) if path and Path(path).exists() else None


@index.command("verify")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def index_verify(index, as_json) -> None:
    """Check every index file against the checksums in the manifest.

    \b
    Example:
      evqa index verify --index my_index/
    """
    from evqa import store

    root = Path(config.resolve("index", index))
    gen = store.open_generation(root)
    problems = store.verify(gen)
    from evqa.backends import backend_type

    remote = None
    if backend_type(gen.manifest) == "milvus":
        from evqa.backends.milvus import status_of

        remote = status_of(gen)
        problems += remote["problems"]
    if as_json:
        _print_json(
            {
                "index": str(root),
                "generation": gen.path.name,
                "ok": not problems,
                "files": len(gen.manifest["files"]),
                "problems": problems,
            }
        )
    elif problems:
        for p in problems:
            click.echo(f"BAD  {p}")
    elif remote is not None:
        entry = gen.manifest["backend"]
        click.echo(
            f"ok: Milvus collection {entry['collection']} at {entry['uri']} holds the "
            f"{remote['articles']} articles and {remote['chunks']} chunks the build recorded"
        )
    else:
        click.echo(f"ok: {len(gen.manifest['files'])} files match their checksums ({root})")
    if problems:
        _err(f"error: the index is corrupt; rebuild with: evqa index build --index {root}")
        sys.exit(3)


# --- evqa eval -------------------------------------------------------------------------


@cli.command("eval")
@click.option(
    "--gold",
    type=click.Path(path_type=Path),
    required=True,
    help="Gold questions, JSONL (see README).",
)
@index_option
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=None,
    help="Evaluate on this corpus, indexed into a cached index first.",
)
@click.option(
    "--mode",
    type=click.Choice([*config.MODES, "all"]),
    default=None,
    help="Retriever to evaluate; all = side by side [env EVQA_MODE, except all; default hybrid].",
)
@click.option("-k", "k", type=int, default=None, help="Passages per question.")
@click.option(
    "--split",
    type=click.Choice(["all", "dev", "test"]),
    default="all",
    show_default=True,
    help="Only the gold questions of this split.",
)
@click.option(
    "--predictions",
    type=click.Path(path_type=Path),
    default=None,
    help="Write one JSONL line per question (and mode) to this file.",
)
@click.option(
    "--report", type=click.Path(path_type=Path), default=None, help="Write a markdown report here."
)
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a PNG here: recall@k per mode and a reliability diagram of confidence"
    " (needs matplotlib).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@model_option
@handle_errors
def eval_cmd(
    gold, index, corpus, mode, k, split, predictions, report, plot, as_json, model
) -> None:
    """Score answers, citations, abstention and latency against a gold question set.

    Answer metrics include hit@1, SQuAD EM/F1 of the span with the official normalisation
    (squad_em/squad_f1 over answerable questions; squad_em_v2/squad_f1_v2 over all, an
    unanswerable question scoring 1 when abstained) and the expected calibration error of
    the confidence (ece: 10 equal-width bins over answered questions; ece_all: abstentions
    too, as not right). --plot adds the reliability diagram beside the recall@k curves.

    \b
    Examples:
      evqa eval --gold eval/gold/seeds.jsonl
      evqa eval --gold eval/gold/seeds.jsonl --mode all --report eval/out/report.md
      evqa eval --gold eval/gold/seeds.jsonl --plot eval/out/eval.png --json
      evqa eval --gold my_gold.jsonl --corpus my_articles/ --predictions preds.jsonl
    """
    from evqa import evaluation
    from evqa.errors import InputError

    if index is not None and corpus is not None:
        raise InputError("give --index or --corpus, not both")
    if k is not None:
        config.check_k(k, "-k")
    mode = _eval_mode(mode)
    # before the run, not after it
    _check_eval_outputs(gold, {"--predictions": predictions, "--report": report, "--plot": plot})
    if plot is not None:
        evaluation.require_matplotlib()
    items = evaluation.load_gold(gold)
    if split != "all":
        items = [g for g in items if g.split == split]
    if not items:
        raise InputError(f"no gold questions in split {split!r} of {gold}")
    if corpus is not None:
        index = _cached_corpus_index(corpus, model)
    modes = list(config.MODES) if mode == "all" else [mode]
    engine = _open_engine(index, model, k=k, mode=modes[0])
    if warning := evaluation.unknown_doc_ids_warning(items, engine.articles):
        _err(f"warning: {warning}")
    results = {}
    with _progress() as progress:
        for m in modes:

            def tick(done: int, m: str = m) -> None:
                progress(f"Asking questions ({m})", 1, len(items))

            results[m] = evaluation.run_eval(
                engine, items, k=k or engine.k, mode=m, progress=tick if progress else None
            )
    # the metrics first: a file that cannot be written then loses nothing of the run
    if as_json:
        _print_json({m: r.metrics for m, r in results.items()})
    else:
        from evqa import render

        render.print_table(_console(), evaluation.format_table(results))
    writers = {
        "--predictions": (predictions, _write_predictions),
        "--report": (report, evaluation.write_markdown_report),
        "--plot": (plot, evaluation.write_plot),
    }
    failed = []
    for name, (path, write) in writers.items():
        if path is not None:
            try:
                write(results, path)
            except OSError as e:  # disk full, file too large...: the old file is whole
                failed.append(f"{name} {path} ({e.strerror or e})")
    if failed:
        raise EvqaError(
            f"cannot write {'; '.join(failed)}; what was there before is unchanged."
            " The metrics above are complete; free space or choose another path"
        )


def _eval_mode(flag: str | None) -> str:
    """--mode > EVQA_MODE > the default. ``all`` (side by side) is a flag of eval only:
    EVQA_MODE is shared with ask, search and chat, which take one retriever."""
    if flag is not None:
        return flag
    mode = config.resolve("mode")
    if mode not in config.MODES:  # only EVQA_MODE can give a bad one
        raise InputError(
            f"unknown mode {mode!r} in EVQA_MODE; choose one of: {', '.join(config.MODES)}"
            " (all, side by side, is for evqa eval --mode only); fix or unset EVQA_MODE"
        )
    return mode


def _check_eval_outputs(gold: Path, outputs: dict[str, Path | None]) -> None:
    """Refuse an output that is the gold file or another output, or that cannot be
    written (a folder, under a file, in a read-only folder)."""
    from evqa.store import check_output_file

    seen = [("--gold", gold)]
    for name, path in outputs.items():
        if path is None:
            continue
        for other, taken in seen:
            if _same_file(path, taken):
                what = (
                    "the gold file, which it would overwrite"
                    if other == "--gold"
                    else f"also given to {other}"
                )
                raise InputError(f"{name} {path} is {what}; choose another path for {name}")
        check_output_file(path, name)
        seen.append((name, path))


def _same_file(a: Path, b: Path) -> bool:
    """Whether writing ``a`` would overwrite ``b`` (a device such as /dev/null is never
    overwritten)."""
    if a.exists() and b.exists():
        return a.is_file() and os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _cached_corpus_index(corpus: Path, model: Path | None) -> Path:
    """Index a corpus into the cache (incrementally) and return the index folder."""
    import hashlib

    from evqa.build import build, resolve_settings

    cache = Path(config.resolve("cache_dir"))
    key = hashlib.sha256(str(Path(corpus).resolve()).encode()).hexdigest()[:16]
    root = cache / "eval-index" / key
    with _progress() as progress:
        build(
            Path(corpus),
            root,
            model=_resolve_model(model),
            settings=resolve_settings(),
            cache_dir=cache,
            wait=600.0,
            progress=progress,
        )
    return root


def _write_predictions(results: dict, path: Path) -> None:
    from evqa.evaluation import write_predictions

    rows = []
    for mode, result in results.items():
        rows += [{**r, "mode": mode} for r in result.records]
    write_predictions(rows, path)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    cli(prog_name="evqa")


if __name__ == "__main__":
    main()
