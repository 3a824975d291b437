"""Writing corpus files (text, bytes, JSONL lines) and a sample body for the corpus tests."""

from __future__ import annotations

import json
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BODY = "Gotion said its battery entered pilot production. It plans a 2 GWh line."


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_jsonl(path: Path, lines: list[object]) -> Path:
    rows = [x if isinstance(x, str) else json.dumps(x) for x in lines]
    return write(path, "\n".join(rows) + "\n")
