"""Job titles a question abbreviates that news articles write out.

People type "Voltreach CFO"; the article says "Rajesh Mehta, the company's chief financial
officer". BM25 has no term in common, the embedding is pulled towards other passages, and
the reader (trained on Wikipedia questions, which hardly ever abbreviate a title) gives
the name a low score. A question is searched and read with the titles written out as
wire-service style writes them ("chief executive", not "chief executive officer").

The list is the standard corporate titles, nothing drawn from any corpus: an
abbreviation that also names something else ("GM", "MD", "CMO") is not in it."""

from __future__ import annotations

import re

TITLES = {
    "CEO": "chief executive",
    "CFO": "chief financial officer",
    "COO": "chief operating officer",
    "CTO": "chief technology officer",
    "CIO": "chief information officer",
    "EVP": "executive vice president",
    "SVP": "senior vice president",
    "VP": "vice president",
}
# as a whole word, upper case only ("Ceo" is not one), plural and possessive kept
_TITLE = re.compile(r"(?<![\w&.-])(" + "|".join(TITLES) + r")(s?)(?![\w&-])")


def spelled_out(question: str) -> str:
    """``question`` with each abbreviated title written out: "Voltreach CFO" ->
    "Voltreach chief financial officer", "the CEOs' pay" -> "the chief executives' pay".
    Text without one comes back as it is (the same object)."""
    if _TITLE.search(question) is None:
        return question
    return _TITLE.sub(lambda m: TITLES[m[1]] + m[2], question)
