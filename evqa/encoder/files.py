"""Small file helpers of the encoder package: a tolerant JSON read and an atomic write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evqa.store import atomic_path


def read_json(path: Path) -> Any:
    """The JSON in ``path``, or None if it cannot be read or parsed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
