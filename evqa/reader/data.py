"""SQuAD (official JSON) as reader examples, split by article.

Used by the training script and the eval scripts; nothing on the query path reads it."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evqa.errors import InputError
from evqa.question_content import FUNCTION_WORDS

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


def read_squad(path: Path | str) -> list[SquadExample]:
    """The questions of an official SQuAD JSON file (v1.1 or v2.0), in file order. A file
    that is missing, not JSON or not in SQuAD's shape is an InputError naming the file and
    what is wrong (for a missing field, where: article, paragraph and question)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError(
            f"SQuAD file {path} not found; give the folder of the official SQuAD JSON files"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read SQuAD file {path} ({e}); check the file") from None
    except json.JSONDecodeError as e:
        raise InputError(
            f"SQuAD file {path} is not valid JSON ({e.msg}, line {e.lineno});"
            " use the official SQuAD JSON file"
        ) from None
    out = []
    for i, art in enumerate(_field(doc, "data", list, path, "the file")):
        where = f"data[{i}]"
        title = _field(art, "title", str, path, where)
        where = f"article {title!r} (data[{i}])"
        for j, para in enumerate(_field(art, "paragraphs", list, path, where)):
            at = f"{where} paragraph {j}"
            context = _field(para, "context", str, path, at)
            for n, qa in enumerate(_field(para, "qas", list, path, at)):
                q_at = f"{at} question {n}"
                qid = _field(qa, "id", str, path, q_at)
                q_at = f"{at} question {qid!r}"
                question = _field(qa, "question", str, path, q_at)
                answers = _field(qa, "answers", list, path, q_at, required=False) or []
                if qa.get("is_impossible"):
                    answers = []
                for m, a in enumerate(answers):
                    a_at = f"{q_at} answer {m}"
                    _field(a, "text", str, path, a_at)
                    _field(a, "answer_start", int, path, a_at)
                out.append(
                    SquadExample(
                        title,
                        qid,
                        question.strip(),
                        context,
                        tuple(dict.fromkeys(a["text"] for a in answers)),
                        answers[0]["answer_start"] if answers else None,
                    )
                )
    return out


_KINDS = {list: "a list", str: "a string", int: "a whole number"}


def _field(obj: object, key: str, kind: type, path: Path, where: str, required: bool = True) -> Any:
    """``obj[key]``, checked to be of ``kind``; missing (when ``required``) or of another
    kind is an InputError naming the file, ``where`` in it and the field. Missing and not
    required: None."""
    if not isinstance(obj, dict):
        raise InputError(
            f"SQuAD file {path}: {where} is not a JSON object; use the official SQuAD JSON file"
        )
    if key not in obj:
        if not required:
            return None
        raise InputError(
            f"SQuAD file {path}: {where} has no {key!r} field;"
            " use the official SQuAD JSON file or add the field"
        )
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(
            f"SQuAD file {path}: {where}: {key!r} must be {_KINDS[kind]}, not {value!r:.40};"
            " use the official SQuAD JSON file"
        )
    return value


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


def fold(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)`` with 0 <= K < N and N >= 2 (fold K of N: with one fold,
    leaving it out leaves nothing); ValueError otherwise. Named so that argparse, given it
    as a type, reports "invalid fold value"."""
    k, sep, n = text.partition("/")
    if not (sep and k.isdigit() and n.isdigit() and int(k) < int(n) and int(n) >= 2):
        raise ValueError(f"{text!r} is not K/N with 0 <= K < N, N >= 2")
    return int(k), int(n)


def fold_articles(articles, fold: int, folds: int) -> frozenset[str]:
    """The articles of ``fold`` (0-based) when the sorted titles are dealt round-robin into
    ``folds`` folds: a reader trained without them can read them as unseen, so every training
    question gets candidates from a reader that never saw it (cross-fitting)."""
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} is not in 0..{folds - 1}")
    return frozenset(a for i, a in enumerate(sorted(set(articles))) if i % folds == fold)


def data_hash(squad_dir: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update((squad_dir / name).read_bytes())
    return h.hexdigest()


# A question's opening that a keyword query leaves out: the question word (with the word
# that makes it a phrase), an auxiliary verb and an article.
_END = r"(?:\s+|$)"
_OPENING = re.compile(
    r"^(?:(?:what|which|who|whom|whose|when|where|why|how)"
    r"(?:\s+(?:much|many|long|far|old|big|large|often))?" + _END + ")?"
    r"(?:(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would)" + _END + ")?"
    r"(?:(?:the|a|an)" + _END + ")?",
    re.IGNORECASE,
)
KEYWORD_STYLES = ("opening", "content")


def keyword_query(question: str, style: str) -> str:
    """The question as a search-box query: ``opening`` drops its question word, auxiliary
    and article ("Who was the duke in the battle of Hastings?" -> "duke in the battle of
    Hastings"); ``content`` keeps only its content words ("duke battle Hastings"). The
    question itself when nothing would be left."""
    text = question.strip().rstrip("?").strip()
    if style == "opening":
        out = _OPENING.sub("", text)
    elif style == "content":
        words = text.split()
        out = " ".join(w for w in words if w.strip(",.;:'\"").casefold() not in FUNCTION_WORDS)
    else:
        raise ValueError(f"unknown keyword style {style!r}; use one of {KEYWORD_STYLES}")
    return out.strip() or question


def with_keyword_queries(
    examples: Sequence[SquadExample], share: float, rng: random.Random
) -> list[SquadExample]:
    """``examples`` with about ``share`` of their questions rewritten by ``keyword_query``
    (each style equally often), so that a reader trained on them also reads the queries
    people type."""
    out = []
    for e in examples:
        if rng.random() < share:
            e = replace(e, question=keyword_query(e.question, rng.choice(KEYWORD_STYLES)))
        out.append(e)
    return out


# A name in a question: a run of capitalised words ("Nikola Tesla", "Bank of England").
_NAME = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’.-]*)*")
_WORD = re.compile(r"\w+")


def question_names(question: str) -> list[tuple[int, int]]:
    """The (start, end) of each name in ``question``; its first word is not taken for one
    (a capital there says nothing)."""
    return [
        m.span()
        for m in _NAME.finditer(question)
        if m.start() > 0 and m.group().casefold() not in FUNCTION_WORDS
    ]


def swapped_name_questions(
    examples: Sequence[SquadExample], share: float, rng: random.Random
) -> list[SquadExample]:
    """Unanswerable examples made from about ``share`` of the answerable ones: a name that
    the question shares with its paragraph is replaced by a name from another article's
    questions that the paragraph never mentions ("When did the Normans conquer England?"
    -> "When did the Huguenots conquer England?"), the "entity swap" by which SQuAD 2.0's
    writers made a fifth of its unanswerable questions: meant to teach a reader that the
    thing asked about must be in the passage (measured in the README; not in the shipped
    recipe)."""
    names = [question_names(e.question) for e in examples]
    pool = [
        (e.article, e.question[s:t])
        for e, spans in zip(examples, names, strict=True)
        for s, t in spans
    ]
    out = []
    for e, spans in zip(examples, names, strict=True):
        if not e.answers or not pool or rng.random() >= share:
            continue
        grounded = [(s, t) for s, t in spans if e.question[s:t] in e.context]
        if not grounded:
            continue
        s, t = rng.choice(grounded)
        seen = {w.casefold() for w in _WORD.findall(e.context)}
        for _ in range(20):
            article, name = rng.choice(pool)
            words = {w.casefold() for w in _WORD.findall(name)}
            if article != e.article and not words & seen:
                question = e.question[:s] + name + e.question[t:]
                out.append(
                    replace(
                        e, qid=e.qid + "-swap", question=question, answers=(), answer_start=None
                    )
                )
                break
    return out
