"""SQuAD (official JSON) as reader examples, split by article.

Used by the training script and the eval scripts; nothing on the query path reads it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# Held out from training: the reader's own validation articles (three with SQuAD 2.0
# unanswerables, two without). Never trained on; every held-out figure is on these.
VALIDATION_ARTICLES = frozenset(
    {"Normans", "Prime_number", "Pharmacy", "Apollo_program", "Genghis_Khan"}
)
FILES = ("squad-v1.1-train.json", "squad-v2.0-train.json")


@dataclass(frozen=True)
class SquadExample:
    article: str
    qid: str
    question: str
    context: str
    answers: tuple[str, ...]  # empty: unanswerable
    answer_start: int | None = None  # of the first answer

    @property
    def answer_text(self) -> str | None:
        return self.answers[0] if self.answers else None


def read_squad(path: Path) -> list[SquadExample]:
    out = []
    for art in json.loads(Path(path).read_text())["data"]:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                answers = qa.get("answers") or []
                if qa.get("is_impossible"):
                    answers = []
                out.append(
                    SquadExample(
                        art["title"],
                        qa["id"],
                        qa["question"].strip(),
                        para["context"],
                        tuple(dict.fromkeys(a["text"] for a in answers)),
                        answers[0]["answer_start"] if answers else None,
                    )
                )
    return out


def load_all(squad_dir: Path, with_v2: bool = True) -> list[SquadExample]:
    """v1.1's answerable questions, plus v2.0's unanswerable ones (its answerable ones
    are the same questions as v1.1's)."""
    v1 = read_squad(squad_dir / FILES[0])
    if not with_v2:
        return v1
    seen = {e.qid for e in v1}
    v2 = [e for e in read_squad(squad_dir / FILES[1]) if not e.answers and e.qid not in seen]
    return v1 + v2


def load_split(squad_dir: Path, with_v2: bool = True):
    every = load_all(squad_dir, with_v2)
    train = [e for e in every if e.article not in VALIDATION_ARTICLES]
    val = [e for e in every if e.article in VALIDATION_ARTICLES]
    return train, val


def data_hash(squad_dir: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update((squad_dir / name).read_bytes())
    return h.hexdigest()
