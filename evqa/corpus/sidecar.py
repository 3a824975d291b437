"""A file's ``<stem>.meta.json`` sidecar: explicit title/date/url/source, validated."""

from __future__ import annotations

import json
from pathlib import Path

from evqa.corpus.files import SourceFile
from evqa.corpus.metadata import field_type_errors, normalize_fields
from evqa.corpus.report import Report


def read_sidecar(item: SourceFile, report: Report) -> dict[str, str | None] | None:
    """Validated sidecar fields ({} without a sidecar), or None if the file must be skipped."""
    if item.sidecar is None:
        return {}
    where = sidecar_rel(item)
    try:
        data = json.loads(item.sidecar.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.bad(f"{where}: not a readable UTF-8 JSON file ({exc})")
        return None
    if not isinstance(data, dict):
        report.bad(f"{where}: must hold a JSON object with title/date/url/source")
        return None
    errors = field_type_errors(data)
    if errors:
        report.bad(f"{where}: {'; '.join(errors.values())}")
        return None
    fields, warnings = normalize_fields(data)
    for warning in warnings:
        report.warn(f"{where}: {warning}")
    return fields


def sidecar_rel(item: SourceFile) -> str:
    """The sidecar's path relative to the corpus root ("" without one)."""
    if item.sidecar is None:
        return ""
    return str(Path(item.rel).with_name(item.sidecar.name).as_posix())
