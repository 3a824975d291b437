"""Does a question say anything? A check that runs before retrieval.

Retrieval and answer scoring always find *something*, so a question without content
("what is it?", or "battery" typed a hundred times) would get a confident answer to a
question nobody asked. Two rules, on the question's content words (its words without
English function words, casefolded and stemmed with the BM25 tokenizer):

- **no content**: nothing is left once function words are removed (or there were no
  words at all: "???", emoji);
- **mostly repetition**: the repeats outnumber or equal the distinct words
  (``battery battery`` has one distinct word and one repeat). Natural questions
  rarely repeat a content word at all, so half the words being repeats is far from
  any real question, and the rule needs no threshold chosen on data.

Such a question is answered "not found" with the reason (``Answer.reason``). A search
query without content words has nothing to rank passages by, and is refused with the same
reason (``query_problem``); one that repeats a word is searched all the same.
"""

from __future__ import annotations

import re
from collections import Counter

from evqa.errors import InputError
from evqa.tokenize import tokenize

# English function words (a closed class): determiners, pronouns, auxiliaries and modals,
# prepositions, conjunctions, question words, negation and the pieces of contractions.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those some any each every all both either neither no none
    much many more most few less least several
    other another such what which who whom whose when where why how whatever whichever
    whoever whenever wherever i me my mine myself we us our ours ourselves you your yours
    yourself yourselves he him his himself she her hers herself it its itself they them
    their theirs themselves one ones be am is are was were been being do does did doing
    done have has had having can could may might must shall should will would ought
    about above across after against along among around as at before behind below beneath
    beside besides between beyond by despite down during except for from in inside into
    like near of off on onto out outside over past per since than through throughout till
    to toward towards under underneath until unto up upon via with within without and but
    or nor so yet if then else because although though while whereas whether not never
    there here now also too very just only even again ever still really please
    isn aren wasn weren don doesn didn hasn haven hadn couldn wouldn shouldn mustn ll re ve
    """.split()
)


def content_words(question: str) -> list[str]:
    """The question's content words, casefolded, in order (unstemmed)."""
    words = tokenize(question, stem=False, stopwords=FUNCTION_WORDS)
    return [w for w in words if len(w) > 1 or w.isdigit()]


_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*")


def name_words(question: str) -> list[str]:
    """The question's capitalised words after its first word (and after any sentence's
    end), in order: the names it asks about ("Ouyang", "Minggao")."""
    return _NAME.findall(question.strip())


def question_names(question: str) -> set[str]:
    """Stems of the question's names (:func:`name_words`): "Ouyang Minggao", "Tour de
    France"."""
    return {t for m in name_words(question) for t in tokenize(m)}


def content_problem(question: str) -> str | None:
    """Why the question has no content to answer, or None when it has some."""
    words = content_words(question)
    if not words:
        return _no_content(question, "question", "ask about")
    stems = Counter(tokenize(" ".join(words), stopwords=None))
    repeats = sum(stems.values()) - len(stems)
    if repeats >= len(stems):
        stem, count = stems.most_common(1)[0]
        word = next(w for w in words if tokenize(w, stopwords=None) == [stem])
        return (
            f"the question mostly repeats words ({word!r} {count} times) and asks nothing; "
            "ask one clear question"
        )
    return None


def query_problem(query: str) -> str | None:
    """Why a search query has nothing to search for (no content words), or None."""
    return None if content_words(query) else _no_content(query, "query", "search for")


def searchable(query: str) -> str:
    """``query``, if it has something to search for; else an InputError that says why (the
    CLI's `search`, the API's /search and Engine.search refuse such a query)."""
    if (problem := query_problem(query)) is not None:
        raise InputError(problem)
    return query


def _no_content(text: str, what: str, verb: str) -> str:
    """The reason a ``what`` (question, query) without content words is not looked up."""
    said = tokenize(text, stem=False, stopwords=None)
    function = list(dict.fromkeys(w for w in said if w in FUNCTION_WORDS))
    kind = (
        f"only function words ({', '.join(function[:6])})" if function else "no words to search for"
    )
    return f"the {what} has {kind}; {verb} something, e.g. a company, a product or a figure"
