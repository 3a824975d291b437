"""The gold question set: ``GoldItem``, reading and checking a gold JSONL file, splits, and
the warning for gold doc ids an index does not hold."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from evqa import config
from evqa.errors import InputError
from evqa.evaluation.normalize import normalize, squad_normalize
from evqa.question_text import clean_question, normalize_question
from evqa.types import Article

TYPES = ("number", "date", "person", "org", "place", "phrase", "unanswerable")
SPLITS = ("dev", "test", "train")  # train: questions a model is trained on (eval/train-news)
_FIELDS = ("id", "question", "answers")  # required; doc_ids, type and split are optional
DEFAULT_SPLIT = "test"
MAX_PROBLEMS_SHOWN = 20  # a gold file's problems listed in one error; the rest are counted


@dataclass(frozen=True)
class GoldItem:
    """One gold question. Empty ``answers`` means the corpus cannot answer it."""

    id: str
    question: str
    answers: tuple[str, ...]
    doc_ids: tuple[str, ...]
    type: str
    split: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: Path | str) -> list[GoldItem]:
    r"""Read a gold JSONL file (one object per line, lines ending in ``\n`` or ``\r\n``;
    blank lines are skipped; a UTF-8 byte order mark is allowed). Questions are checked as
    ``evqa ask`` checks them, and every answer must be one an answer can match
    (:func:`answer_problem`). Every line is checked: one InputError names each problem as
    ``FILE:LINE: ...``."""
    if not isinstance(path, str | PathLike):
        raise InputError(
            f"path must be the path of a gold JSONL file (a str or Path), not {path!r}"
        )
    path = Path(path)
    try:
        lines = read_jsonl_lines(path)
    except FileNotFoundError:
        raise InputError(f"gold file {path} not found; pass the path of a gold JSONL") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read gold file {path} ({e}); check the file") from None
    items: list[GoldItem] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = _parse_gold_line(line, f"{path}:{n}")
        except InputError as e:
            problems.append(str(e))
            continue
        if item.id in first_line:
            problems.append(
                f"{path}:{n}: duplicate id {item.id!r} (first on line {first_line[item.id]});"
                " give every question a unique id"
            )
            continue
        first_line[item.id] = n
        items.append(item)
    if problems:
        raise InputError(_problems_message(path, problems))
    if not items:
        raise InputError(f"gold file {path} has no questions; add one JSON object per line")
    return items


def read_jsonl_lines(path: Path) -> list[str]:
    r"""The lines of a UTF-8 JSONL file (a byte order mark is dropped): split on ``\n`` only,
    a trailing ``\r`` stripped. The other breaks ``str.splitlines`` splits on neither split
    a line nor shift the line numbers: U+2028, U+2029 and U+0085, which a JSON string may
    hold unescaped, and \x0b, \x0c, \x1c-\x1e (the line they are on is reported as not
    valid JSON). OSError and UnicodeDecodeError are the caller's."""
    text = path.read_bytes().decode("utf-8-sig")
    return [line.removesuffix("\r") for line in text.split("\n")]


def answer_problem(answer: str) -> str | None:
    """Why no answer can ever match the gold ``answer`` (what is wrong with it, for a
    message), or None when it is fine: it has no letter or digit (only punctuation or white
    space), or it normalises to nothing (only the articles a/an/the), so that the official
    SQuAD normalisation (:func:`evqa.evaluation.normalize.squad_normalize`) or evqa's
    (:func:`evqa.evaluation.normalize.normalize`) leaves nothing to compare."""
    if not any(ch.isalnum() for ch in answer):
        return "has no letter or digit (only punctuation or white space)"
    if not squad_normalize(answer) or not normalize(answer):
        return "normalises to nothing (the articles a, an and the are dropped, and punctuation)"
    return None


def _problems_message(path: Path, problems: list[str], show: int = MAX_PROBLEMS_SHOWN) -> str:
    """One problem as it is; several listed one a line (the first ``show``, then how many
    more), so that one run names them all."""
    if len(problems) == 1:
        return problems[0]
    shown = [f"  {p}" for p in problems[:show]]
    if len(problems) > show:
        shown.append(f"  and {len(problems) - show} more")
    return "\n".join([f"gold file {path} has {len(problems)} problems; fix them:", *shown])


def _parse_gold_line(line: str, where: str) -> GoldItem:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: not valid JSON ({e.msg}); fix the line") from None
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object; fix the line")
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}; add them")
    obj = {**_gold_defaults(obj), **obj}
    for key in ("id", "question", "type", "split"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise InputError(f"{where}: {key!r} must be a non-empty string; fix it")
    for key in ("answers", "doc_ids"):
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise InputError(f"{where}: {key!r} must be a list of non-empty strings; fix it")
    _check_question(obj["question"], where)
    for a in obj["answers"]:
        if problem := answer_problem(a):
            raise InputError(
                f"{where}: answer {a!r} {problem}, so no answer can ever match it; fix or remove it"
            )
    item = GoldItem(
        id=obj["id"],
        question=obj["question"],
        answers=tuple(obj["answers"]),
        doc_ids=tuple(obj["doc_ids"]),
        type=obj["type"],
        split=obj["split"],
    )
    _check_gold_item(item, where)
    return item


def _check_question(question: str, where: str) -> None:
    """The checks of ``clean_question`` (what ``ask`` runs), with the line."""
    if len(question) <= 4 * config.MAX_QUESTION_CHARS and not normalize_question(question):
        raise InputError(
            f"{where}: 'question' holds only invisible characters (control or zero-width);"
            " write the question"
        )
    try:
        clean_question(question)
    except InputError as e:
        raise InputError(f"{where}: {e}") from None


def _gold_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """The optional fields' defaults: no doc ids, the type told by the answers
    (``unanswerable`` for an empty list, else ``phrase``) and the test split."""
    answers = obj.get("answers")
    return {
        "doc_ids": [],
        "type": "unanswerable" if answers == [] else "phrase",
        "split": DEFAULT_SPLIT,
    }


def _check_gold_item(item: GoldItem, where: str) -> None:
    if item.type not in TYPES:
        raise InputError(f"{where}: unknown type {item.type!r}; use one of {', '.join(TYPES)}")
    if item.split not in SPLITS:
        raise InputError(f"{where}: unknown split {item.split!r}; use one of {', '.join(SPLITS)}")
    if (item.type == "unanswerable") != (not item.answers):
        raise InputError(
            f"{where}: type 'unanswerable' goes with an empty answers list and only with it;"
            " fix the type or the answers"
        )


def filter_split(gold: Iterable[GoldItem], split: str | None) -> list[GoldItem]:
    """The items of one split (all of them for ``None``)."""
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return [g for g in gold if split is None or g.split == split]


def load_split(path: Path | str, split: str | None) -> list[GoldItem]:
    """The questions of one split (all of them for ``None``) of the gold file at ``path``;
    none is an InputError."""
    items = filter_split(load_gold(path), split)
    if not items:
        raise InputError(f"no gold questions in split {split!r} of {path}")
    return items


def unknown_doc_ids_warning(
    gold: Iterable[GoldItem], articles: Mapping[str, Article], show: int = 5
) -> str | None:
    """A warning naming the gold ``doc_ids`` that are not among ``articles`` (the first
    ``show`` of them, and their count), or None when every one is known. The questions
    citing them can only score 0 on doc_recall@k, mrr and citation_gold."""
    unknown = list(dict.fromkeys(d for g in gold for d in g.doc_ids if d not in articles))
    if not unknown:
        return None
    shown = ", ".join(repr(d) for d in unknown[:show])
    more = f" and {len(unknown) - show} more" if len(unknown) > show else ""
    return (
        f"{len(unknown)} gold doc id(s) are not in the index: {shown}{more}; questions citing"
        " them score 0 on doc_recall@k, mrr and citation_gold. Check the gold file's doc_ids"
        " against the index's article ids"
    )
