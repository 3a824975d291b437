"""A keyword query about a role, read as the question it stands for.

"Corvane Airways chair" asks who chairs Corvane Airways. The reader learnt from
Wikipedia questions, and read as typed, it gives the chair's name a low score (abstained
at 0.11); read as "Who is Corvane Airways chair?" it finds her (0.40). So a query with no
question word that ends on a role (a job title such as "chief financial officer",
"managing director", "chair", "founder") is read with "Who is" before it and a question
mark after. Only the reading changes: the search and the answer's question stay as typed.

The roles are English words for a person's post, nothing drawn from any corpus."""

from __future__ import annotations

import re

# the last word of a role ("chief executive", "chief medical officer", "project director"),
# or any word after "chief"
ROLE_WORDS = frozenset(
    "officer executive chief chair chairman chairwoman chairperson president director "
    "founder co-founder cofounder head manager spokesperson spokesman spokeswoman "
    "governor minister mayor secretary treasurer economist engineer scientist".split()
)
# what a question (not a keyword query) starts with: a question word or an auxiliary
_QUESTION = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|"
    r"had|can|could|will|would|should|name|list|tell|give|find|show)\b",
    re.IGNORECASE,
)
_LAST = re.compile(r"([\w-]+)\W*$")


def role_question(query: str) -> str:
    """``query`` as a question when it is a keyword query about a role ("Kestrel Grid chief
    executive" -> "Who is Kestrel Grid chief executive?"); otherwise as it is."""
    text = query.strip()
    last = _LAST.search(text)
    if text.endswith("?") or _QUESTION.match(text) or last is None or len(text.split()) < 2:
        return query
    words = text.casefold().split()
    if last[1].casefold() not in ROLE_WORDS and words[-2] != "chief":  # "chief strategist"
        return query
    return f"Who is {text.rstrip(' .!')}?"
