"""`evqa index status` and `evqa index verify`: what an index holds, and whether it is
stale or corrupt (exit 3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from evqa import config
from evqa.cli.common import handle_errors, resolve_model
from evqa.cli.index.resolve import index_root
from evqa.cli.options import index_option, json_option, model_option
from evqa.cli.output import err, print_json


@click.command("status")
@index_option
@model_option
@json_option()
@handle_errors
def index_status(index, model, as_json) -> None:
    """Show corpus and index figures, and whether the index is stale.

    \b
    Examples:
      evqa index status
      evqa index status --index my_index/ --json
    """
    from evqa import store

    root = index_root(index)
    gen = store.open_generation(root)
    status, verdict = _status(root, gen, model)
    for warning in status["warnings"]:
        err(f"warning: {warning}")
    if as_json:
        print_json(status)
        if status["problems"]:
            sys.exit(3)
        return
    click.echo(_status_text(status, verdict))
    _advise(root, gen.manifest, status)


def _status(root: Path, gen, model: Path | None) -> tuple[dict[str, Any], str]:
    """The figures `index status` shows, and its verdict: stale, up to date or not checked."""
    from evqa.corpus import printable
    from evqa.staleness import corpus_path

    m = gen.manifest
    reasons, unchecked, why_unchecked = _freshness(root, m, model)
    held = _contents(gen)
    if not held["complete"]:
        reasons = ["the Milvus build did not finish", *reasons]
    corpus = corpus_path(m, root)
    status = {
        "index": str(root),
        "generation": gen.path.name,
        "created": m.get("created"),
        "format_version": m.get("format_version"),
        "corpus": printable(str(corpus)) if corpus else None,
        "backend": m.get("backend") or {"type": "local"},
        "articles": held["articles"],
        "chunks": held["chunks"],
        "article_ids": held["article_ids"],
        "model": m["model"],
        "settings": m.get("settings"),
        "dense": m.get("dense"),
        "size_bytes": sum(f["size"] for f in m["files"].values()),
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "problems": held["problems"],
        "warnings": [unchecked] if unchecked else [],
    }
    return status, _verdict(reasons, why_unchecked)


def _freshness(
    root: Path, m: dict[str, Any], model: Path | None
) -> tuple[list[str], str | None, str | None]:
    """Why the index is stale; and when that cannot be checked, a warning and why not."""
    from evqa.staleness import corpus_warning, edited_warning, stale_reasons

    if model is None and not config.from_env("model"):  # else the flag, or EVQA_MODEL by name
        model = _existing(m["model"]["path"])
    info = resolve_model(model)
    reasons = stale_reasons(m, root, info.sha256)
    gone, edited = corpus_warning(m, root), edited_warning(m, root)
    if gone:
        return reasons, gone, "the corpus is gone"
    if edited:
        return reasons, edited, "edited with index add/remove"
    return reasons, None, None


def _existing(path: str | None) -> Path | None:
    return Path(path) if path and Path(path).exists() else None


def _contents(gen) -> dict[str, Any]:
    """How many articles and chunks the index holds, their ids, and what `index verify`
    would report of a Milvus collection (exit 3)."""
    remote = _milvus_status(gen)
    if remote is not None:
        return {
            "complete": remote["complete"],
            "articles": remote["articles"],
            "chunks": remote["chunks"],
            "article_ids": remote["article_ids"],
            "problems": list(remote["problems"]),
        }
    from evqa import indexdata, store

    store.check_sizes(gen)  # as every open does: numpy cannot read an emptied file
    data = indexdata.load(gen)
    return {
        "complete": True,
        "articles": len(data.articles),
        "chunks": len(data.chunks),
        "article_ids": sorted(data.articles),
        "problems": [],
    }


def _milvus_status(gen) -> dict[str, Any] | None:
    """What the Milvus collection of a milvus index holds; None for a local index."""
    from evqa.backends import backend_type

    if backend_type(gen.manifest) != "milvus":
        return None
    from evqa.backends.milvus import status_of

    return status_of(gen)


def _verdict(reasons: list[str], why_unchecked: str | None) -> str:
    if reasons:
        return "STALE: " + "; ".join(reasons)
    return f"not checked ({why_unchecked})" if why_unchecked else "up to date"


def _status_text(status: dict[str, Any], verdict: str) -> str:
    model = status["model"]
    lines = [
        f"index      {status['index']} ({status['generation']}, built {status['created']})",
        f"corpus     {status['corpus'] or '(edited with index add/remove)'}",
        f"articles   {status['articles']}",
        f"chunks     {status['chunks']}",
        f"backend    {_backend_line(status['backend'])}",
        f"model      {model['name']} (sha256 {model['sha256'][:12]}…, dim {model['dim']})",
        f"dense      {_dense_line(status['dense'], status['backend'], status['chunks'])}",
        f"settings   {_settings_line(status['settings'])}",
        f"size       {status['size_bytes'] / 1e6:.2f} MB",
        f"status     {verdict}",
        *(f"problem    {p}" for p in status["problems"]),
    ]
    return "\n".join(lines)


def _dense_line(dense: dict[str, Any] | None, backend: dict[str, Any], chunks: int) -> str:
    """The dense index: its faiss type and vector count (e.g. "IndexFlatIP, 89 vectors");
    a Milvus index's vectors are in its collection, one a chunk."""
    if not dense:
        if backend.get("type") == "milvus":
            return f"in the Milvus collection, {chunks} vectors"
        return "(not recorded)"
    n = dense.get("ntotal")
    vectors = f", {n} vector{'' if n == 1 else 's'}" if isinstance(n, int) else ""
    return f"{dense.get('type', 'unknown type')}{vectors}"


def _settings_line(settings: dict[str, Any] | None) -> str:
    """The build settings as ``key=value`` pairs (e.g. "chunk_size=600, encoder=onnx-int8")."""
    if not settings:
        return "(not recorded)"
    return ", ".join(f"{key}={value}" for key, value in sorted(settings.items()))


def _backend_line(entry: dict[str, Any]) -> str:
    if entry.get("type") != "milvus":
        return "local"
    state = "complete" if entry.get("complete") else "INCOMPLETE"
    return f"milvus {entry.get('uri')} collection {entry.get('collection')} ({state})"


def _advise(root: Path, m: dict[str, Any], status: dict[str, Any]) -> None:
    """After the figures: what to run for a broken index (then exit 3) or a stale one."""
    if status["problems"]:
        err(_milvus_error(root, m, "the index does not hold what its build recorded"))
        sys.exit(3)
    if status["stale_reasons"]:
        corpus_flag = f" --corpus {status['corpus']}" if status["corpus"] else ""
        err(f"hint: rebuild with: evqa index build --index {root}{corpus_flag}")


@click.command("verify")
@index_option
@json_option()
@handle_errors
def index_verify(index, as_json) -> None:
    """Check every index file against the checksums in the manifest.

    \b
    Example:
      evqa index verify --index my_index/
    """
    from evqa import store

    root = index_root(index)
    gen = store.open_generation(root)
    problems = store.verify(gen)
    remote = _milvus_status(gen)
    if remote is not None:
        problems += remote["problems"]
    if as_json:
        print_json(
            {
                "index": str(root),
                "generation": gen.path.name,
                "ok": not problems,
                "files": len(gen.manifest["files"]),
                "problems": problems,
            }
        )
    else:
        click.echo(_verify_text(root, gen.manifest, problems, remote))
    if problems:
        err(
            _milvus_error(root, gen.manifest, "the index is corrupt")
            if remote is not None
            else f"error: the index is corrupt; rebuild with: evqa index build --index {root}"
        )
        sys.exit(3)


def _milvus_error(root: Path, m: dict[str, Any], what: str) -> str:
    """The last line of `index status`/`verify` for a Milvus index with problems: an
    unfinished build is finished with the command its problem gives, else rebuilt."""
    from evqa.backends.milvus import rebuild_command

    if not (m.get("backend") or {}).get("complete"):
        return "error: the Milvus build did not finish; finish it with the command above"
    return f"error: {what}; rebuild it with: {rebuild_command(root, m)}"


def _verify_text(root: Path, m: dict[str, Any], problems: list[str], remote) -> str:
    if problems:
        return "\n".join(f"BAD  {p}" for p in problems)
    if remote is not None:
        entry = m["backend"]
        return (
            f"ok: Milvus collection {entry['collection']} at {entry['uri']} holds the "
            f"{remote['articles']} articles and {remote['chunks']} chunks the build recorded"
        )
    return f"ok: {len(m['files'])} files match their checksums ({root})"
