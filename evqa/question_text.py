"""A question's (or a search query's) text as evqa takes it: normalised (NFKC, no control
or zero-width characters, white space collapsed) and checked for emptiness and length,
before anything is loaded. Whether the text says anything is ``question_content``'s
business."""

from __future__ import annotations

import unicodedata

from evqa import config
from evqa.errors import InputError

# any index's: nothing here may assume the articles (the seeds' battery news) it holds,
# nor who asked (Engine.ask, the HTTP API, the page, the CLI): no command line in it
EXAMPLES = {"question": '"When did the plant open?"', "query": '"plant opening"'}
_ASK = {"question": "ask something", "query": "search for something"}


def clean_question(text: str, what: str = "question", *, example: str | None = None) -> str:
    """Normalise a question (or a search ``what="query"``): NFKC, drop control and
    zero-width characters, trim. Raises InputError for an empty or oversized one, or one
    with no words at all, only punctuation or symbols ("???", an emoji): bad input, as an
    empty one is. One of function words only ("what is it?") has words.

    The message for an empty or wordless one suggests ``example`` (default
    ``EXAMPLES[what]``, a quoted question any caller can send); the CLI passes its own
    command line (``evqa ask "When did the plant open?"``)."""
    if not isinstance(text, str):
        raise InputError(f"the {what} must be text")

    def too_long(n: int) -> InputError:
        limit = config.MAX_QUESTION_CHARS
        return InputError(
            f"the {what} is {n:,} characters long; the limit is {limit:,}. Shorten the {what}."
        )

    if len(text) > config.MAX_QUESTION_CHARS * 4:
        raise too_long(len(text))
    text = normalize_question(text)
    suggestion = f"{_ASK[what]}, e.g. {EXAMPLES[what] if example is None else example}"
    if not text:
        raise InputError(f"the {what} is empty; {suggestion}")
    if len(text) > config.MAX_QUESTION_CHARS:
        raise too_long(len(text))
    if not any(ch.isalnum() for ch in text):
        raise InputError(f"the {what} has no words, only punctuation or symbols; {suggestion}")
    return text


def normalize_question(text: str) -> str:
    """NFKC, control and zero-width characters dropped, white space collapsed and trimmed
    (``clean_question`` without its checks: the result may be empty or long)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(text.split())
