"""A file's ``<stem>.meta.json`` sidecar: explicit title/date/url/source, validated."""

from __future__ import annotations

import json
from pathlib import Path

from evqa.corpus.files import SourceFile
from evqa.corpus.metadata import field_type_errors, normalize_fields
from evqa.corpus.report import Report


def read_sidecar(item: SourceFile, report: Report) -> dict[str, str | None]:
    """Validated sidecar fields ({} without a sidecar). A bad sidecar is bad input: with
    skip_bad it is ignored (a wrongly typed field: that field) and the file is read
    without it, from its own text."""
    if item.sidecar is None:
        return {}
    where = sidecar_rel(item)
    try:
        data = json.loads(item.sidecar.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _ignored(report, f"{where}: not a readable UTF-8 JSON file ({exc})", "it", item)
        return {}
    except RecursionError:
        _ignored(report, f"{where}: not a readable JSON file (nested too deeply)", "it", item)
        return {}
    if not isinstance(data, dict):
        _ignored(report, f"{where}: must hold a JSON object with title/date/url/source", "it", item)
        return {}
    errors = field_type_errors(data)
    if errors:
        part = "that field" if len(errors) == 1 else "those fields"
        _ignored(report, f"{where}: {'; '.join(errors.values())}", part, item)
        data = {k: v for k, v in data.items() if k not in errors}
    fields, warnings = normalize_fields(data)
    for warning in warnings:
        report.warn(f"{where}: {warning}")
    return fields


def _ignored(report: Report, message: str, part: str, item: SourceFile) -> None:
    """A bad sidecar (``part`` of it) reported: the article is indexed without it."""
    report.ignorable(
        message,
        instead=f"ignore {part} and index {item.rel} without it",
        done=f"{part} was ignored, and {item.rel} indexed without it",
    )


def sidecar_rel(item: SourceFile) -> str:
    """The sidecar's path relative to the corpus root ("" without one)."""
    if item.sidecar is None:
        return ""
    return str(Path(item.rel).with_name(item.sidecar.name).as_posix())
