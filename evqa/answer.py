"""Extractive answers: question typing, span choice, confidence, abstention, citations.

The query path: the sentences overlapping the retrieved chunks are the candidates. Each
candidate (sentence, span) pair gets

    confidence = coverage * (0.35 + 0.65 * span_fit) * (0.8 + 0.2 * retrieval) * names * local

- coverage: IDF-weighted share of the question's content words found in the sentence
  (stems; shared 5-letter prefixes and a few news synonyms count partly), with partial
  credit for words found in its paragraph/previous sentences or elsewhere in the article;
- span_fit: how well a typed span (from ``evqa.analysis``, plus names, noun-phrase-like
  runs, lists and acronym expansions found here) fits the question type and the unit it
  asks for ("energy density" -> Wh/kg), times its closeness to the matched words;
- retrieval: the hit's rank;
- names: a product of penalties, one per name of the question the article lacks
  (NAME_ABSENT = 0.2 each: an article that never says "JAC" or "Yiwei" cannot answer a
  question about the JAC Yiwei), or, for role questions ("who is the CEO of CATL"), that
  is not in the sentence or next to it (ROLE_NAME_FAR); 1.0 when all are there;
- local: NAME_FAR (0.4) for each run of names of the question ("BYD Yangwang U7",
  "Europe") that the article mentions, but not around the sentence: not in it, its
  neighbours, its paragraph, nor the article's title or lede, so the sentence is likely
  about something else. A name answer is exempt from it when some sentence of the
  retrieved articles names both it and the missing name (questions linking two articles).

Some pairs are never candidates, whatever their score:
- a span whose unit says it measures something else: a price question never takes a
  percentage or an investment sum, a weight never "Wh/kg", a "how many" count never a sum
  of money, and a bare number answers no question that asks for a measured unit (Wh/kg,
  km, kg, a currency...; durations and counts excepted);
- any span of a sentence that does not name the activity a duration question times
  ("how long does it take to charge" needs a sentence about charging).

The best pair is the answer; for number and date questions, pairs from other sentences
scoring nearly as well with another value are shown side by side as figures. Spans that
only repeat the question are never answers. All features are in ``score_candidates``.

No model is loaded here: only ``re`` and the shared BM25 tokenizer.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache

from evqa.analysis import UNIT_SYMBOLS, name_spans, regex_spans
from evqa.errors import EvqaError
from evqa.tokenize import tokenize
from evqa.types import Answer, Article, Citation, Figure, Hit, Span

MAX_FIGURES = 3
FIGURE_RATIO = 0.85  # a figure scores at least this share of the best answer
CONTEXT_BEFORE = 2  # sentences before the answer sentence that count as its context
MAX_PARAGRAPH_CONTEXT = 8  # ... and so do earlier sentences of its paragraph, up to this many
CONTEXT_CREDIT_NAME = 0.6  # a name of the question found in the sentence's context
CONTEXT_CREDIT_WORD = 0.45  # another question word found there
ARTICLE_CREDIT_NAME = 0.25  # a name found elsewhere in the article
ARTICLE_CREDIT_WORD = 0.2  # another question word found there
ROLE_NAME_FAR = 0.4  # "CEO of CATL": CATL is in the article but not next to the sentence
NAME_FAR = 0.4  # a name of the question in the article, but not around the answer sentence
LEDE_SENTENCES = 1  # the first sentences of an article: names there are what it is about
NAME_ABSENT = 0.2  # a name of the question the article never mentions
WORD_ABSENT = 0.5  # a word the articles capitalise (not the question) missing from the article
PROXIMITY_WEIGHT = 0.6  # share of a span's fit that depends on its closeness to the terms
MAX_IDF_SENTENCES = 400  # cap on the sentences used for IDF weights


class QuestionType(StrEnum):
    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    PHRASE = "phrase"


class CitationMismatchError(EvqaError):
    """A citation quote differs from the article text at its offsets (a bug)."""


# ---------------------------------------------------------------- question analysis

_WH = r"(?:what|which|who|whom|whose|when|where|why|how)"
_ORG_NOUNS = (
    r"(?:company|companies|carmakers?|automakers?|car ?makers?|manufacturers?|makers?|firms?|"
    r"brands?|groups?|startups?|suppliers?|organi[sz]ations?|partners?|rivals?|competitors?|"
    r"universit(?:y|ies)|agenc(?:y|ies)|institutes?|banks?|investors?|subsidiar(?:y|ies)|"
    r"developers?|consortium|alliance|joint venture|outlets?|publications?)"
)
_PLACE_NOUNS = r"(?:country|countries|city|cities|province|provinces|region|state|nation)"
_ORG_VERBS = (
    r"(?:makes?|made|builds?|built|produces?|produced|manufactures?|manufactured|supplies|"
    r"supplied|develops?|developed|owns?|owned|backs?|backed|invested|invests|acquired|"
    r"partnered|partners|sells?|sold|launched|operates?|runs|funded|funds|joined|reported)"
)
_PERSON_ROLES = (
    r"(?:chairman|chairwoman|chair|ceo|cfo|cto|founder|co-founder|president|vice president|"
    r"professor|director|spokesperson|spokesman|spokeswoman|chief|head|analyst|minister|"
    r"executive|engineer|editor|secretary|researcher|scientist|official|economist|author|"
    r"reporter|journalist|manager|leader|governor|mayor|boss|person|people|man|woman)"
)
_AUX = r"(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|may|might)"
_PRE_NOUN = rf"(?:\s(?!{_AUX}\b)[\w'-]+){{0,3}}?"  # up to 3 words before the noun

_QTYPE_RULES: tuple[tuple[QuestionType, re.Pattern[str]], ...] = tuple(
    (t, re.compile(p))
    for t, p in (
        (QuestionType.PERSON, rf"\b(?:which|what|whose){_PRE_NOUN} {_PERSON_ROLES}\b"),
        (QuestionType.ORG, rf"\b(?:which|what|whose){_PRE_NOUN} {_ORG_NOUNS}\b"),
        (QuestionType.ORG, rf"\bwho(?:'s| is| was| are| were)? (?:\w+ )?{_ORG_VERBS}\b"),
        (QuestionType.PERSON, r"\bwho(?:m|se)?\b"),
        (QuestionType.PLACE, rf"\b(?:which|what) {_PLACE_NOUNS}\b|\bwhere\b"),
        (
            QuestionType.DATE,
            r"^when\b|\bwhen (?:did|does|do|is|was|will|were|are|has|have|had|can|could)\b|"
            r"\b(?:what|which|in what|by what) (?:year|date|month|day|quarter)\b|"
            r"\bsince when\b|\bby when\b|\bhow long ago\b|\bwhat time\b",
        ),
        (
            QuestionType.NUMBER,
            r"\bhow (?:much|many|far|long|big|large|fast|high|heavy|old|tall|low|wide|often|"
            r"quickly|powerful|efficient|hot|cold|warm|dense)\b",
        ),
    )
)
_NUMBER_CUES = re.compile(
    r"\b(?:percentage|percent|proportion|share|number|amount|total|range|capacity|cost|costs|"
    r"price|prices|priced|energy density|density|yield|rate|size|speed|weight|mass|"
    r"temperature|voltage|power|output|value|valuation|revenue|sales|volume|lifespan|"
    r"lifetime|distance|stake|efficiency|growth|investment|invest|invested|funding|budget|"
    r"conductivity|pressure|cycles?|mileage|horsepower|torque|figure|count|production line)\b"
)
_DATE_CUES = re.compile(
    r"\b(?:date|dates|year|when|timeline|deadline|month|day|quarter|since|until|dated)\b"
)
_ROLE_CUE = re.compile(rf"\b{_PERSON_ROLES}\b")
_ORG_CUE = re.compile(rf"\b{_ORG_NOUNS}\b")

# Expected unit classes of a number question: first matching rule wins.
_UNIT_RULES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (frozenset(units.split()), re.compile(p))
    for units, p in (
        ("energy_density", r"\benergy density|\bwh/kg\b|\bdensity\b"),
        ("temperature", r"\btemperature|\bhow (?:hot|cold|warm)\b|°|\bdegrees?\b"),
        (
            "percent",
            r"\bpercent|\bproportion\b|\bwhat share\b|\bstake\b|\byield\b|\brate\b|\bgrowth\b|"
            r"\bdeclin|\bplunge|\bdrop|\bincrease|\bfell\b|\brose\b|\bconductivity\b|"
            r"\bgr[oe]w\b|\bimprove|\bboost|\bjump|\bsurge|\bshrink|\bslump|"
            r"\bhow much (?:more|less|higher|lower|better|faster)\b",
        ),
        (
            "money",
            r"\bprice|\bcost|\binvest|\bfunding\b|\bfunds?\b|\brevenue|\bvaluation\b|\bworth\b|"
            r"\bspen[dt]\b|\braised?\b|\bmoney\b|\bmarket cap|\bprofit|\bpaid\b|\bpay\b|"
            r"\bbudget\b|\bdollars?\b|\byuan\b|\bloss(?:es)?\b",
        ),
        ("speed", r"\bspeed\b|\bhow fast\b|\bkm/h\b|\bmph\b"),
        ("distance", r"\brange\b|\bhow far\b|\bdistance\b|\bmileage\b|\bkilomet|\bmiles?\b"),
        ("cycles", r"\bcycles?\b|\bcycle life\b"),
        (
            "time distance cycles",
            r"\blifespan\b|\blifetime\b|\bhow long (?:will|does|do|can)\b.*\blast\b",
        ),
        ("time", r"\bhow long\b|\bduration\b|\bcharging time\b|\btake\b|\btook\b"),
        ("energy", r"\bcapacity\b|\bproduction line\b|\b[kmgt]wh\b|\bstorage\b"),
        ("power", r"\bpower\b|\boutput\b|\bhorsepower\b|\bkw\b"),
        ("voltage", r"\bvoltage\b|\bvolts?\b"),
        ("mass", r"\bweight\b|\bweigh|\bhow heavy\b|\bmass\b"),
        (
            "count",
            r"\bhow many\b|\bnumber of\b|\bsales\b|\bsold\b|\bsell\b|\bdeliveries\b|\bunits\b",
        ),
    )
)
_HOW_MANY = re.compile(
    r"\bhow many ((?:[\w-]+ ){0,2}?[\w-]+?)(?= (?:did|does|do|is|are|was|were|"
    r"has|have|had|will|can|could|would|should|in|of|for|on|at|by)\b|\W*$)"
)

# Words that carry the question's form, not its content.
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how do does did is are was were be been being "
    "has have had can could would should will shall may might must much many far long big "
    "large fast high heavy old tall low wide often quickly i me my we us our you your he him "
    "his she her they them its there here about tell show give find name list please "
    "exactly currently s t date year years month day time kind type sort percentage percent "
    "number amount total figure value so ever also just any some".split()
)
_STOP = frozenset(tokenize(" ".join(_QUESTION_WORDS), stem=True, stopwords=None)) | frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
_IRREGULAR = {
    "sold": "sell", "built": "build", "made": "make", "began": "begin", "begun": "begin",
    "bought": "buy", "led": "lead", "won": "win", "grew": "grow", "grown": "grow",
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "spent": "spend",
    "took": "take", "taken": "take", "gave": "give", "given": "give", "held": "hold",
    "said": "say", "told": "tell", "paid": "pay", "brought": "bring", "ran": "run",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "met": "meet",
    "saw": "see", "seen": "see", "went": "go", "gone": "go", "came": "come", "knew": "know",
    "known": "know", "sought": "seek", "thought": "think", "struck": "strike", "lost": "lose",
    "kept": "keep", "left": "leave", "meant": "mean", "sent": "send", "drove": "drive",
    "driven": "drive", "rode": "ride", "shown": "show", "became": "becom", "hit": "hit",
}  # fmt: skip
_WORD = re.compile(r"\d+(?:[.,]\d+)+|\w+")
# Light lexical expansion for news text: words in one group match each other at 0.7.
_SYNONYM_GROUPS = (
    "sale sell", "fall drop plunge decline decrease slump lower shrink",
    "rise increase grow growth jump surge boost climb gain improve",
    "begin start commence launch", "deliver delivery ship", "cost price expense cheap",
    "found establish create form", "say state note tell add",
    "announce reveal unveil introduce debut", "buy purchase acquire procure procurement",
    "make manufacture produce build production manufacturing",
    "car vehicle auto automobile", "conventional traditional",
    "lifespan life lifetime longevity", "company firm maker manufacturer",
    "carmaker automaker", "invest investment fund funding stake", "target aim plan goal",
    "test trial validation", "chairman chair", "use utilize employ leverage",
    "research develop development", "partner ally alliance partnership",
    "cooperation collaboration collaborate", "sign formalize",
    "standardize standardization standard", "swap swapping", "capacity output",
)  # fmt: skip
_FOCUS = re.compile(
    r"\b(?:what|which)(?: (?:kind|kinds|type|types|sort|sorts|form|forms) of)? (?!of\b)(.*)"
)
_PLURAL = re.compile(
    r"\b(?:which|what|who) (?:two|three|four|both)\b|\b(?:companies|carmakers|automakers|"
    r"manufacturers|makers|firms|brands|partners|rivals|competitors|suppliers|developers|"
    r"investors|people|persons|executives|countries)\b"
)
_FOCUS_END = re.compile(rf"{_AUX}|of|in|on|for|from|with|at|to|by")
_ACRONYM_Q = re.compile(
    r"\b(?i:what) (?i:does|did|do) (?:the )?([A-Z][A-Za-z0-9&-]{1,9}) (?i:stand|mean)"
)


@dataclass(frozen=True)
class Question:
    """What the answerer needs from a question."""

    text: str
    qtype: QuestionType
    terms: tuple[str, ...]  # content stems, in order, without duplicates
    units: frozenset[str] = frozenset()  # expected unit classes (number questions)
    counted: tuple[str, ...] = ()  # stems of X in "how many X"
    focus: str | None = None  # stem of the head noun in "what/which (kind of) X ..."
    acronym: str | None = None  # X in "what does X stand for / mean"
    plural: bool = False  # asks for several names: "which two companies ..."
    names: frozenset[str] = frozenset()  # stems of words capitalised in the question
    money: str | None = None  # price, investment or revenue (money questions)
    activity: str | None = None  # stem of X in "how long does it take to X", "X-ing time"
    role: str | None = None  # stem of the role asked about: "who is the CEO of CATL" -> ceo
    entities: tuple[frozenset[str], ...] = ()  # stems of each run of names: "BYD Yangwang U7"


def classify_question(question: str) -> QuestionType:
    """The kind of answer a question asks for (see QuestionType)."""
    q = _normal_question(question)
    for qtype, pattern in _QTYPE_RULES:
        if pattern.search(q):
            return qtype
    if _DATE_CUES.search(q) and not re.search(r"\b(?:how|what|which)\b", q):
        return QuestionType.DATE
    if _NUMBER_CUES.search(q):
        return QuestionType.NUMBER
    if _DATE_CUES.search(q):
        return QuestionType.DATE
    if not re.match(rf"^{_WH}\b", q):
        if _ROLE_CUE.search(q):
            return QuestionType.PERSON
        if _ORG_CUE.search(q):
            return QuestionType.ORG
    return QuestionType.PHRASE


def parse_question(question: str) -> Question:
    qtype = classify_question(question)
    q = _normal_question(question)
    units = _expected_units(q) if qtype is QuestionType.NUMBER else frozenset()
    m = _HOW_MANY.search(q)
    counted = tuple(_stems(m.group(1))) if m else ()
    terms = tuple(dict.fromkeys(_stems(question)))
    acro = _ACRONYM_Q.search(question)
    if acro:
        terms = tuple(t for t in terms if t not in ("stand", "mean"))
    return Question(
        question,
        qtype,
        terms,
        units,
        counted,
        _focus(q),
        acro.group(1) if acro else None,
        bool(_PLURAL.search(q)),
        _capitalised(question),
        next((k for k, p in _MONEY_Q if p.search(q)), None) if "money" in units else None,
        _activity(q) if "time" in units else None,
        _role(q) if qtype is QuestionType.PERSON else None,
        _entities(question),
    )


def _role(q: str) -> str | None:
    m = _ROLE_CUE.search(q)
    return _stem(m.group().split()[-1]) if m else None


_ACTIVITY = re.compile(
    r"\b(?:take|takes|took|taken|time|times|needed|need|needs)(?: [\w-]+){0,3}? to "
    r"(?:fully |completely )?([a-z][\w-]*)|\b([a-z]+ing) (?:time|duration)\b"
)


def _activity(q: str) -> str | None:
    """The stem of what a duration question times: "how long does it take to charge"
    and "charging time" -> charg."""
    m = _ACTIVITY.search(q)
    return _stem(m.group(1) or m.group(2)) if m else None


def _capitalised(question: str) -> frozenset[str]:
    """Stems of the question's words written with a capital after the first word."""
    words = _WORD.findall(question)[1:]
    return frozenset(s for w in words if w[0].isupper() and (s := _stem(w)) is not None)


_NAME_GAP = re.compile(r"[\s'’-]*")


def _entities(question: str) -> tuple[frozenset[str], ...]:
    """Stems of each run of names in the question: "When will the JAC Yiwei EV go on sale
    in Europe?" -> {jac, yiwei}, {europ}. A name is a word capitalised after the first
    word (or an acronym such as "CATL" first), neither a role nor a generic word ("CEO",
    "EV", a month) nor a unit; names joined by spaces or hyphens form one run."""
    runs: list[set[str]] = []
    last_end = -1
    for n, m in enumerate(_WORD.finditer(question)):
        w = m.group()
        stem = _stem(w)
        upper = w[0].isupper() and (n > 0 or any(c.isupper() for c in w[1:]))
        if not upper or stem is None or stem in _NOT_NAMES or w in UNIT_SYMBOLS:
            last_end = -1
            continue
        if last_end >= 0 and _NAME_GAP.fullmatch(question[last_end : m.start()]):
            runs[-1].add(stem)
        else:
            runs.append({stem})
        last_end = m.end()
    return tuple(dict.fromkeys(frozenset(r) for r in runs))


def _focus(q: str) -> str | None:
    """The head noun a which/what question asks about: "what electrolyte does ..." ->
    electrolyt; "which safety tests has ..." -> test; "what kind of battery ..." -> batteri."""
    m = _FOCUS.search(q)
    if not m:
        return None
    words = m.group(1).split()[:4]
    stop = next((j for j, w in enumerate(words) if _FOCUS_END.fullmatch(w)), None)
    words = words[:stop] if stop else words[:1]
    stems = [s for w in words if (s := _stem(w)) is not None]
    return stems[-1] if stems else None


def _synonyms_of(stem: str) -> list[str]:
    syn = _synonym_map()
    group = syn.get(stem)
    return [] if group is None else sorted(s for s, g in syn.items() if g == group and s != stem)


@lru_cache(maxsize=1)
def _synonym_map() -> dict[str, int]:
    out: dict[str, int] = {}
    for n, group in enumerate(_SYNONYM_GROUPS):
        for word in group.split():
            stem = tokenize(word)[0]
            out.setdefault(_IRREGULAR.get(stem, stem), n)
    return out


def _normal_question(question: str) -> str:
    q = question.casefold().replace("’", "'")
    return re.sub(r"\s+", " ", q).strip(" ?!.")


def _expected_units(q: str) -> frozenset[str]:
    for units, pattern in _UNIT_RULES:
        if pattern.search(q):
            return units
    return frozenset()


def _stems(text: str) -> list[str]:
    return [s for w in _WORD.findall(text) if (s := _stem(w)) is not None]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str | None:
    """The content stem of one word, or None for stopwords and noise."""
    toks = tokenize(word)
    if len(toks) != 1:
        return None
    s = _IRREGULAR.get(toks[0], toks[0])
    if s in _STOP or (len(s) < 2 and not s.isdigit()):
        return None
    return s


def _match(a: str, b: str) -> float:
    """1 for the same stem, 0.8 for a shared 5-letter prefix (deliveri/deliv), 0.7 for
    synonyms (sale/sell, fall/plunge), else 0."""
    if a == b:
        return 1.0
    if len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5] and not a[0].isdigit():
        return 0.8
    syn = _synonym_map()
    group = syn.get(a)
    if group is not None and group == syn.get(b):
        return 0.7
    return 0.0


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    """One (sentence, span) pair with the features behind its confidence."""

    doc_id: str
    sent_start: int
    sent_end: int
    span: Span
    confidence: float
    features: dict[str, float] = field(default_factory=dict, compare=False)
    hit_rank: int = 0
    unit: str | None = None

    @property
    def key(self) -> tuple:
        span = (self.span.start, self.span.end)
        return (-self.confidence, self.hit_rank, self.doc_id, self.sent_start, span)


@dataclass
class _Doc:
    """Per-article lookups for one query."""

    article: Article
    sentences: list[tuple[int, int]]
    spans: Sequence[Span] | None
    stems: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict)
    capitalized: set[str] = field(default_factory=set)  # stems seen capitalised mid-sentence
    mentioned: dict[str, float] = field(default_factory=dict)
    windows: dict[int, set[str]] = field(default_factory=dict)

    @cached_property
    def span_starts(self) -> list[int]:
        return [s.start for s in self.spans or ()]

    def tokens(self, i: int) -> list[tuple[str, int, int]]:
        """(stem, start, end) of the content words of sentence i (article offsets)."""
        if i not in self.stems:
            s, e = self.sentences[i]
            text = self.article.text
            toks = []
            for n, m in enumerate(_WORD.finditer(text[s:e])):
                st = _stem(m.group())
                if st is None:
                    continue
                toks.append((st, m.start() + s, m.end() + s))
                if n and m.group()[0].isupper():
                    self.capitalized.add(st)
            self.stems[i] = toks
        return self.stems[i]

    @cached_property
    def folded(self) -> str:
        return self.article.text.casefold()

    def mentions(self, term: str) -> float:
        """1.0 when the article has a word starting like ``term`` (a stem), 0.7 when it
        has a synonym, else 0. A regex over the text: no need to tokenize it all."""
        if term not in self.mentioned:
            found = 0.0
            for stem, score in ((term, 1.0), *((s, 0.7) for s in _synonyms_of(term))):
                # "energi" must match "energy", "ev" must not match "every"
                head, tail = (stem[:5], "") if len(stem) >= 5 else (stem, r"\b")
                if re.search(rf"\b{re.escape(head)}{tail}", self.folded):
                    found = score
                    break
            self.mentioned[term] = found
        return self.mentioned[term]

    def near(self, i: int) -> set[str]:
        """Stems of sentence i and of the sentences just before and after it."""
        out: set[str] = set()
        for j in (i - 1, i, i + 1):
            if 0 <= j < len(self.sentences):
                out.update(t for t, _, _ in self.tokens(j))
        return out

    def window(self, i: int) -> set[str]:
        """Stems around sentence i: its paragraph (at most MAX_PARAGRAPH_CONTEXT sentences
        either side), the sentences just before and after it, and what the whole article
        is about: its title and lede (first sentence). A name of the question missing from
        all of them is likely not what sentence i is about."""
        if i not in self.windows:
            out = self.near(i) | set(_stems(self.article.title or ""))
            for j in (*self.paragraph(i), *range(min(LEDE_SENTENCES, len(self.sentences)))):
                out.update(t for t, _, _ in self.tokens(j))
            self.windows[i] = out
        return self.windows[i]

    def paragraph(self, i: int) -> range:
        """Sentences of the paragraph of sentence i (no line break between them), at most
        MAX_PARAGRAPH_CONTEXT either side."""
        text, sents = self.article.text, self.sentences
        lo = hi = i
        while lo > 0 and i - lo < MAX_PARAGRAPH_CONTEXT:
            if "\n" in text[sents[lo - 1][1] : sents[lo][0]]:
                break
            lo -= 1
        while hi + 1 < len(sents) and hi - i < MAX_PARAGRAPH_CONTEXT:
            if "\n" in text[sents[hi][1] : sents[hi + 1][0]]:
                break
            hi += 1
        return range(lo, hi + 1)

    def context(self, i: int) -> range:
        """Sentences before i that give it context: the previous CONTEXT_BEFORE ones and
        the earlier sentences of its paragraph (at most MAX_PARAGRAPH_CONTEXT)."""
        text = self.article.text
        j = i
        while j > 0 and i - j < MAX_PARAGRAPH_CONTEXT:
            if "\n" in text[self.sentences[j - 1][1] : self.sentences[j][0]]:
                break
            j -= 1
        return range(min(j, max(0, i - CONTEXT_BEFORE)), i)


def score_candidates(
    question: str | Question,
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    spans: Mapping[str, Sequence[Span]],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
) -> list[Candidate]:
    """Every scored (sentence, span) candidate, best first. For debugging and tuning;
    ``extract_answer`` uses the same list."""
    q = question if isinstance(question, Question) else parse_question(question)
    if not q.terms:
        return []
    docs = _docs(hits, articles, spans, sentences)
    chosen = _candidate_sentences(hits, docs)
    if not chosen:
        return []
    weights = _weights(q.terms, docs, chosen)
    proper = frozenset(
        t for t in q.terms if t in q.names or any(t in d.capitalized for d in docs.values())
    )
    evidence = _Evidence(q, docs)
    out: list[Candidate] = []
    for (doc_id, i), rank in chosen.items():
        doc = docs[doc_id]
        out.extend(_sentence_candidates(q, doc, doc_id, i, rank, weights, proper, evidence))
    return sorted(out, key=lambda c: c.key)


def _docs(
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    spans: Mapping[str, Sequence[Span]],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
) -> dict[str, _Doc]:
    docs: dict[str, _Doc] = {}
    for hit in hits:
        doc_id = hit.chunk.doc_id
        if doc_id in docs or doc_id not in articles:
            continue
        article = articles[doc_id]
        sents = sentences.get(doc_id)
        if not sents:
            sents = _fallback_sentences(article.text)
        n = len(article.text)
        valid = sorted({(s, e) for s, e in sents if 0 <= s < e <= n})
        found = spans.get(doc_id)
        docs[doc_id] = _Doc(article, valid, None if found is None else sorted(found, key=_order))
    return docs


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def _fallback_sentences(text: str) -> list[tuple[int, int]]:
    try:
        from evqa.chunking import split_sentences
    except ImportError:  # pragma: no cover - chunking is part of evqa
        return [(m.start(), m.end()) for m in re.finditer(r"\S(?:.*?\S)?(?=\s*$|[.!?]\s)", text)]
    return split_sentences(text)


def _candidate_sentences(
    hits: Sequence[Hit], docs: Mapping[str, _Doc]
) -> dict[tuple[str, int], int]:
    """(doc_id, sentence index) -> best rank of a hit whose chunk overlaps the sentence."""
    chosen: dict[tuple[str, int], int] = {}
    for hit in hits:
        doc = docs.get(hit.chunk.doc_id)
        if doc is None:
            continue
        starts = [s for s, _ in doc.sentences]
        i = max(bisect.bisect_right(starts, hit.chunk.start) - 1, 0)
        while i < len(doc.sentences) and doc.sentences[i][0] < hit.chunk.end:
            if doc.sentences[i][1] > hit.chunk.start:
                key = (hit.chunk.doc_id, i)
                chosen[key] = min(chosen.get(key, hit.rank), hit.rank)
            i += 1
    return chosen


def _weights(
    terms: Sequence[str], docs: Mapping[str, _Doc], chosen: Mapping[tuple[str, int], int]
) -> dict[str, float]:
    """IDF of each question term over sentences of the retrieved articles: the candidate
    sentences and their context, then others spread evenly up to MAX_IDF_SENTENCES."""
    pool = dict.fromkeys(chosen)
    for doc_id, i in chosen:
        pool.update(dict.fromkeys((doc_id, j) for j in docs[doc_id].context(i)))
    rest = [(d, i) for d, doc in docs.items() for i in range(len(doc.sentences))]
    room = MAX_IDF_SENTENCES - len(pool)
    if room > 0 and rest:
        step = max(1, math.ceil(len(rest) / room))
        pool.update(dict.fromkeys(rest[::step]))
    df = dict.fromkeys(terms, 0.0)
    for doc_id, i in pool:
        stems = {t for t, _, _ in docs[doc_id].tokens(i)}
        prefixes = {t[:5] for t in stems if len(t) >= 5 and not t[0].isdigit()}
        for term in terms:
            df[term] += term in stems or (len(term) >= 5 and term[:5] in prefixes)
    n = len(pool)
    return {t: math.log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}


# ---------------------------------------------------------------- scoring one sentence


def _sentence_candidates(
    q: Question,
    doc: _Doc,
    doc_id: str,
    i: int,
    rank: int,
    weights: Mapping[str, float],
    proper: frozenset[str],
    evidence: _Evidence | None = None,
) -> list[Candidate]:
    tokens = doc.tokens(i)
    coverage, in_sentence = _coverage(q, doc, i, weights, proper)
    if coverage <= 0.0:
        return []

    if q.activity and not any(_match(q.activity, t) >= 0.8 for t, _, _ in tokens):
        return []  # "how long does it take to charge": only a sentence about charging
    retrieval = 1.0 / (1.0 + 0.1 * (max(rank, 1) - 1))
    names = _name_factor(q, doc, i, proper)
    far = _far_entities(q, doc, i)
    s, e = doc.sentences[i]
    out = []
    for span, fit in _typed_spans(q, doc, s, e):
        unit = _unit_class(span)
        unit_fit = _unit_fit(q, span, unit, tokens)
        if unit_fit <= 0.0:
            continue  # the span measures something else: never an answer
        prox = _proximity(span, tokens, in_sentence, weights)
        span_fit = fit * unit_fit * (1.0 - PROXIMITY_WEIGHT + PROXIMITY_WEIGHT * prox)
        local = NAME_FAR ** sum(not (evidence and evidence.links(span, ent)) for ent in far)
        conf = coverage * (0.35 + 0.65 * span_fit) * (0.8 + 0.2 * retrieval) * names * local
        feats = {
            "coverage": coverage,
            "names": names,
            "local": local,
            "label_fit": fit,
            "unit_fit": unit_fit,
            "proximity": prox,
            "retrieval": retrieval,
        }
        out.append(Candidate(doc_id, s, e, span, min(max(conf, 0.0), 1.0), feats, rank, unit))
    return out


def _name_factor(q: Question, doc: _Doc, i: int, proper: frozenset[str]) -> float:
    """The product, over the question's names, of a factor for each that is missing.

    - A name the question capitalises ("JAC", "Yiwei", "CATL"; not roles such as "CEO"
      or generic words such as "EV") that the article never mentions: NAME_ABSENT. An
      article that never names the product or company asked about cannot answer.
    - For a role question ("who is the CEO of CATL"), such a name that is in the article
      but neither in the sentence nor in the ones next to it: ROLE_NAME_FAR ("William
      Li, CEO of Nio" does not answer it); so is the role itself ("CEO") missing there.
    - A question word that only the articles capitalise (the question is in lower case)
      and the article lacks: WORD_ABSENT.
    Found names count 1.0 (``_coverage`` already prefers names in the sentence)."""
    factor = 1.0
    for term in sorted(proper):
        if term in _NOT_NAMES:
            continue
        found = _in_article(doc, term)
        if term not in q.names:
            factor *= 1.0 if found else WORD_ABSENT  # a synonym will do
        elif found < 0.8:
            factor *= NAME_ABSENT
        elif q.role and not any(_match(term, t) >= 0.8 for t in doc.near(i)):
            factor *= ROLE_NAME_FAR
    if q.role and not any(_match(q.role, t) >= 0.7 for t in doc.near(i)):
        factor *= ROLE_NAME_FAR  # "Ningde" in a sentence that mentions no CEO
    return factor


def _far_entities(q: Question, doc: _Doc, i: int) -> list[frozenset[str]]:
    """The question's names (runs such as "BYD Yangwang U7") that the article mentions
    but not around sentence i (``_Doc.window``: its paragraph, neighbours and title):
    the sentence is then likely about something else ("costs 1.5-2 billion yuan per GWh"
    in a paragraph about a production line does not price the U7 named elsewhere).
    Names the article lacks are ``_name_factor``'s; role questions have their own rule."""
    if q.role:
        return []
    window = doc.window(i)
    far = []
    for entity in q.entities:
        known = [t for t in entity if _in_article(doc, t) >= 0.8]
        if known and not any(_near_name(t, window) for t in known):
            far.append(frozenset(known))
    return far


def _near_name(term: str, stems: Iterable[str]) -> bool:
    """True when ``stems`` has ``term`` (or a prefix match, or its country for a
    demonym: "Chinese" is near "China")."""
    alt = _DEMONYMS.get(term)
    return any(_match(term, t) >= 0.8 or t == alt for t in stems)


_DEMONYMS = {"chines": "china"}  # demonyms whose stem shares no 5-letter prefix with it


@dataclass
class _Evidence:
    """Sentences of the retrieved articles that name each of the question's names, to
    link an answer to a name far from it: "Which carmaker is both Volkswagen's partner
    and Nio's?" can be answered by FAW in an article about Volkswagen when another
    retrieved article has a sentence naming both Nio and FAW."""

    q: Question
    docs: Mapping[str, _Doc]
    found: dict[frozenset[str], list[str]] = field(default_factory=dict)

    def sentences(self, entity: frozenset[str]) -> list[str]:
        if entity not in self.found:
            self.found[entity] = [
                doc.article.text[s:e].casefold()
                for doc in self.docs.values()
                for k, (s, e) in enumerate(doc.sentences)
                if any(_near_name(t, [w for w, _, _ in doc.tokens(k)]) for t in entity)
            ]
        return self.found[entity]

    def links(self, span: Span, entity: frozenset[str]) -> bool:
        """True when a sentence names both the span and the entity. Numbers and dates are
        too common to link anything, and so is a name of the question ("China" for a
        question about Chinese carmakers)."""
        text = span.text.strip()
        if span.label in _NUMERIC or len(text) < 2:
            return False
        stems = _stems(text)
        if any(
            _near_name(t, stems) or _near_name(s, [t])
            for e in self.q.entities
            for t in e
            for s in stems
        ):
            return False
        pattern = re.compile(rf"(?<!\w){re.escape(text.casefold())}(?!\w)")
        return any(pattern.search(s) for s in self.sentences(entity))


def _coverage(
    q: Question, doc: _Doc, i: int, weights: Mapping[str, float], proper: frozenset[str]
) -> tuple[float, dict[str, float]]:
    """IDF-weighted share of question terms found in sentence i (1.0 each, 0.8 for a
    prefix match, 0.7 for a synonym), else found in the sentence's context (``_Doc.context``)
    or title, else elsewhere in its article, with less credit for words than for names
    (``proper``): "it" often stands for a name from the sentences before, but a missing
    attribute ("price") is missing. Also returns the terms matched in the sentence itself."""
    here = {t for t, _, _ in doc.tokens(i)}
    near: set[str] = set(_stems(doc.article.title or ""))
    for j in doc.context(i):
        near.update(t for t, _, _ in doc.tokens(j))
    total = sum(weights.values()) or 1.0
    got = 0.0
    in_sentence: dict[str, float] = {}
    for term in q.terms:
        m = max((_match(term, s) for s in here), default=0.0)
        if m:
            in_sentence[term] = m
        elif near_m := max((_match(term, s) for s in near), default=0.0):
            m = near_m * (CONTEXT_CREDIT_NAME if term in proper else CONTEXT_CREDIT_WORD)
        elif article_m := _in_article(doc, term):
            m = article_m * (ARTICLE_CREDIT_NAME if term in proper else ARTICLE_CREDIT_WORD)
        got += weights[term] * m
    return got / total, in_sentence


def _in_article(doc: _Doc, term: str) -> float:
    return doc.mentions(term)


# ---------------------------------------------------------------- spans


_LABEL_FIT: dict[QuestionType, dict[str, float]] = {
    QuestionType.NUMBER: {"QUANTITY": 1.0, "PERCENT": 1.0, "MONEY": 1.0, "CARDINAL": 0.9},
    QuestionType.DATE: {"DATE": 1.0, "TIME": 0.6},
    QuestionType.PERSON: {"PERSON": 1.0, "NAME": 0.7, "ORG": 0.45, "NORP": 0.3},
    QuestionType.ORG: {
        "ORG": 1.0, "NAME": 0.7, "PRODUCT": 0.5, "PERSON": 0.5, "GPE": 0.5, "NORP": 0.4,
        "FAC": 0.4,
    },
    QuestionType.PLACE: {"GPE": 1.0, "LOC": 1.0, "FAC": 0.8, "NORP": 0.6, "NAME": 0.5, "ORG": 0.3},
    QuestionType.PHRASE: {
        "NOUN": 0.75, "PHRASE": 0.7, "ORG": 0.7, "PRODUCT": 0.75, "EVENT": 0.75, "LAW": 0.75,
        "WORK_OF_ART": 0.75, "PERSON": 0.65, "GPE": 0.6, "LOC": 0.6, "FAC": 0.6, "NORP": 0.55,
        "NAME": 0.6, "LIST": 1.0, "QUANTITY": 0.5, "MONEY": 0.5, "PERCENT": 0.5, "DATE": 0.45,
        "CARDINAL": 0.4, "LANGUAGE": 0.5,
    },
}  # fmt: skip
_LIST_TRIGGER = re.compile(
    r"[^\S\n]*,?[^\S\n]*(?:including|such as|like|namely|especially|notably|:)[^\S\n]+", re.I
)
_COORD = re.compile(r"\s+and\s+|\s*&\s*")
_CAP_RUN = r"[A-Z][\w'’&/-]*(?:\s+(?:(?:of|and|for|the|de|&)\s+)?[A-Z][\w'’&/-]*)*"
_NUMERIC = frozenset({"QUANTITY", "PERCENT", "MONEY", "CARDINAL", "DATE", "TIME", "ORDINAL"})
_NAME_TYPES = frozenset(
    {QuestionType.PERSON, QuestionType.ORG, QuestionType.PLACE, QuestionType.PHRASE}
)
_JUNK_ENTITIES = frozenset(
    "ev evs bev bevs phev phevs suv suvs ai api apis ceo cfo cto coo lfp nmc board founder "
    "chairman president ceo vice president director the company company firm group news "
    "read next see also image photo comments loading posted ltd co inc corp llc plc".split()
)
# Capitalised question words that do not name what the question is about.
_NOT_NAMES = frozenset(
    s
    for w in (
        re.findall(r"[a-z]+", _PERSON_ROLES)
        + sorted(_JUNK_ENTITIES)
        + "january february march april may june july august september october november "
        "december monday tuesday wednesday thursday friday saturday sunday".split()
    )
    if (s := _stem(w)) is not None
)
_DURATION = re.compile(
    r"^(?:about |over |nearly |almost |more than |some |the (?:first|last|next|past) )?"
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|"
    r"\d[\d,.]*)?\s*(?:full )?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|"
    r"decades?|quarters?)$",
    re.IGNORECASE,
)
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?(?:thousand|million|billion))?"
_YEAR_ONLY = re.compile(r"^(?:1[89]|20)\d\d$")


def _typed_spans(q: Question, doc: _Doc, start: int, end: int) -> list[tuple[Span, float]]:
    """Spans inside [start, end) that could answer q, with their label fit."""
    text = doc.article.text
    if doc.spans is None:
        found = _shift(regex_spans(text[start:end], names=True), start)
    else:
        lo = bisect.bisect_left(doc.span_starts, start)
        found = [s for s in doc.spans[lo:] if s.start < end and s.end <= end]
    if q.qtype in _NAME_TYPES:
        found += _name_parts(_shift(name_spans(text[start:end]), start))
    if q.qtype is QuestionType.PHRASE:
        found += _phrases(text, start, end)
        if q.focus:
            found += _lists(q.focus, doc, start, end)
    if q.acronym:
        found += _expansions(q.acronym, text, start, end)
    qterms = set(q.terms)
    numeric = [s for s in found if s.label in _NUMERIC]
    out: dict[tuple[int, int], tuple[Span, float]] = {}
    for span in found:
        fit = _label_fit(q, span)
        key = (span.start, span.end)
        if fit <= 0.0 or (key in out and out[key][1] >= fit) or _is_junk(span):
            continue
        if span.label in ("NAME", "PHRASE") and any(_overlaps(span, n) for n in numeric):
            continue  # "GWh" of "2 GWh" is not a name
        if _repeats_question(span, qterms) or (
            span.label not in _NUMERIC and _is_alias(span, text, qterms, q.acronym)
        ):
            continue
        if span.label == "NAME" and span.start == start and _sentence_case(span, doc):
            fit *= 0.5  # "Insiders expect ..." is capitalised only as the first word
        out[key] = (span, fit * _novelty(q, span, qterms))
    return [out[k] for k in sorted(out)]


def _sentence_case(span: Span, doc: _Doc) -> bool:
    """True for a one-word span that the article never capitalises mid-sentence."""
    stems = _stems(span.text)
    return len(span.text.split()) == 1 and not any(s in doc.capitalized for s in stems)


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _is_alias(span: Span, text: str, qterms: set[str], acronym: str | None) -> bool:
    """True for "Anhui Jianghuai Automobile (JAC)" when the question names JAC: the span
    is another name of something the question already names."""
    after = re.match(r"\s*\(([^()]{1,40})\)", text[span.end : span.end + 44])
    before = re.search(r"([\w&.-]{1,40})\s*\(\s*$", text[max(0, span.start - 44) : span.start])
    for m in (after, before):
        if m and m.group(1) != acronym:
            stems = _stems(m.group(1))
            if stems and all(st in qterms for st in stems):
                return True
    return False


def _lists(focus: str, doc: _Doc, start: int, end: int) -> list[Span]:
    """What follows "<focus> including|such as|like|:" up to the end of the clause, as a
    LIST span: "key areas, including A, B and C." -> "A, B and C"."""
    text = doc.article.text
    out = []
    for stem, _, w_end in doc.tokens(_sentence_index(doc, start)):
        if _match(stem, focus) < 0.8:
            continue
        m = _LIST_TRIGGER.match(text, w_end, end)
        if m:
            clause = re.match(r"[^.;:()!?]+", text[m.end() : end])
            if clause and clause.group().strip():
                s0 = m.end()
                e0 = s0 + len(clause.group().rstrip(" ,"))
                out.append(Span(s0, e0, "LIST", text[s0:e0]))
    return out


def _sentence_index(doc: _Doc, start: int) -> int:
    return bisect.bisect_left(doc.sentences, (start, -1))


def _name_parts(spans: Iterable[Span]) -> list[Span]:
    """NAME spans, and the parts of coordinated ones: "CATL and BYD" -> CATL, BYD too."""
    out = []
    for span in spans:
        out.append(span)
        cuts = [(m.start(), m.end()) for m in _COORD.finditer(span.text)]
        if not cuts:
            continue
        bounds = [0] + [e for _, e in cuts]
        ends = [s for s, _ in cuts] + [len(span.text)]
        for a, b in zip(bounds, ends, strict=True):
            out.append(Span(span.start + a, span.start + b, "NAME", span.text[a:b]))
    return out


def _shift(spans: Iterable[Span], offset: int) -> list[Span]:
    return [Span(s.start + offset, s.end + offset, s.label, s.text) for s in spans]


def _is_junk(span: Span) -> bool:
    """Entities the small NER model gets wrong in news text ("EV", "Founder", "Board"),
    and units taken for names ("GWh")."""
    if span.label in _NUMERIC:
        return False
    return span.text.casefold().strip() in _JUNK_ENTITIES or span.text.strip() in UNIT_SYMBOLS


def _expansions(acronym: str, text: str, start: int, end: int) -> list[Span]:
    """The long form of ``acronym`` in text[start:end]: "UE (Unitized Encapsulation)" or
    "China ... Innovation Platform (CASIP)", as ACRONYM spans."""
    seg, a = text[start:end], re.escape(acronym)
    found = [m.span(1) for m in re.finditer(rf"\b{a}\s*\(\s*([^()]{{3,120}}?)\s*\)", seg)]
    found += [m.span(1) for m in re.finditer(rf"({_CAP_RUN})\s*\(\s*{a}\s*\)", seg)]
    return [Span(start + s, start + e, "ACRONYM", seg[s:e]) for s, e in found]


def _label_fit(q: Question, span: Span) -> float:
    if span.label == "ACRONYM":
        return 1.0
    fit = _LABEL_FIT[q.qtype].get(span.label, 0.0)
    text = span.text.strip()
    if span.label == "NAME" and re.search(r" and |, |&", text):
        plural = q.plural and q.qtype in (QuestionType.ORG, QuestionType.PERSON)
        return fit * (1.45 if plural else 0.6)
    if span.label == "LIST":
        return 1.0
    if q.qtype is QuestionType.PHRASE and q.focus and fit:
        stems = _stems(text)
        if stems and _match(stems[-1], q.focus) >= 0.8 and len(stems) > 1:
            specific = [w for w in _WORD.findall(text)[:-1] if w.casefold() not in _GENERIC]
            return 1.0 if specific else 0.6
        return 0.85 * fit * _wordiness(text)
    if span.label == "PHRASE":
        return fit * _wordiness(text)
    if q.qtype is QuestionType.NUMBER:
        if span.label in ("DATE", "TIME") and "time" in q.units and _DURATION.match(text):
            return 0.9
        if span.label == "CARDINAL" and _YEAR_ONLY.match(text):
            return 0.0
        if not any(c.isdigit() for c in text) and span.label == "CARDINAL":
            return fit * 0.8
    if q.qtype is QuestionType.DATE and span.label == "DATE":
        if _DURATION.match(text):
            return 0.35
        if not re.search(r"\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", text, re.I):
            return 0.6
    return fit


def _novelty(q: Question, span: Span, qterms: set[str]) -> float:
    """1.0 for a name or phrase made of new words, down to 0.5 when most of its words
    are the question's (a headline that names the topic is not an answer)."""
    if span.label in _NUMERIC or span.label == "ACRONYM":
        return 1.0
    stems = [s for s in _stems(span.text) if s != q.focus]
    if not stems:
        return 1.0
    new = sum(not any(_match(s, t) >= 0.8 for t in qterms) for s in stems)
    return 0.5 + 0.5 * new / len(stems)


def _wordiness(text: str) -> float:
    """How much a stop-word-free run looks like a noun phrase, without a tagger: single
    words, adverbs (-ly) and negated verbs (don't) look less like one."""
    words = text.split()
    fit = 1.0 if len(words) > 1 else 0.8
    if any(w.casefold().endswith(("n't", "n’t")) for w in words):
        fit *= 0.5
    if words[0].casefold().endswith("ly") or words[0].casefold() in _GENERIC:
        fit *= 0.7
    return fit


def _repeats_question(span: Span, qterms: set[str]) -> bool:
    """True when the span only repeats words of the question (or has no words)."""
    stems = _stems(span.text)
    if not stems:
        return not any(c.isdigit() for c in span.text)
    return all(any(_match(s, t) >= 0.8 for t in qterms) for s in stems)


_GENERIC = frozenset(
    "several many some few various various multiple numerous key main major other others "
    "new different certain important significant rigorous much more most less such same "
    "own whole entire total overall general specific particular usual typical common "
    "respective relevant additional further extra".split()
)
_PHRASE_STOP = frozenset(
    "a an the and or but nor so yet of in on at to for from by with about as into onto "
    "over under than then that this these those which who whom whose what when where why "
    "how is are was were be been being has have had do does did will would shall should "
    "can could may might must it its they them their he him his she her we us our you your "
    "i me my not no also just only very more most less least such there here while after "
    "before since until because if though although whether both each every all any some "
    "said says say according per via against among between during through without within "
    "up down out off again further once which s t across toward towards around along behind "
    "beyond despite except inside outside near upon amid throughout including like via "
    "named called known".split()
)
_PHRASE_PART = re.compile(r"[^\s,;:()\[\]\"“”?!]+")


def _phrases(text: str, start: int, end: int) -> list[Span]:
    """Noun-phrase-like runs: words between punctuation and function words (at most 6)."""
    out: list[Span] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if run:
            s, e = run[0][0], run[-1][1]
            out.append(Span(s, e, "PHRASE", text[s:e]))
            run.clear()

    last_end = start
    for m in _PHRASE_PART.finditer(text, start, end):
        word = m.group().rstrip(".").casefold().replace("’", "'")
        gap = text[last_end : m.start()]
        if (run and gap.strip()) or word in _PHRASE_STOP or not word or len(run) >= 6:
            flush()
        if word and word not in _PHRASE_STOP:
            w_end = m.start() + len(m.group().rstrip("."))
            run.append((m.start(), w_end))
        if m.group().endswith("."):
            flush()
        last_end = m.end()
    flush()
    return out


_UNIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p, re.IGNORECASE))
    for name, p in (
        ("energy_density", r"wh/(?:kg|l)\b"),
        ("temperature", r"°|℃|℉|\bdegrees?\b"),
        ("speed", r"km/h|\bmph\b|\bkph\b|m/s\b"),
        ("energy", r"\d\s?(?:[kmgt]wh|wh|mah|ah)\b|watt-hours?"),
        ("distance", r"\d\s?(?:km|mi|m|cm|mm)\b|kilomet|\bmiles?\b|\bmet(?:er|re)s?\b"),
        ("power", r"\d\s?(?:[kmg]w|hp|bhp)\b|horsepower|\bwatts?\b"),
        ("voltage", r"\d\s?(?:k?v)\b|\bvolts?\b"),
        ("mass", r"\d\s?(?:kg|g|mg|t|lbs?)\b|\btonnes?\b|\btons?\b|\bgrams?\b"),
        ("time", r"\b(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|"
                 r"decades?)\b"),
        ("cycles", r"\bcycles?\b"),
    )
)  # fmt: skip


_MONEY_KINDS = {
    "price": "price priced cost costs expensive cheap afford sells retail msrp",
    "investment": "invest invests invested investment stake funding fund raised raise",
    "revenue": "revenue revenues sales profit profits loss earnings income turnover",
}
_MONEY_STEMS = {k: frozenset(tokenize(v)) for k, v in _MONEY_KINDS.items()}
_MONEY_Q = tuple(
    (k, re.compile(p))
    for k, p in (
        ("price", r"\bprice|\bcost|\bexpensive\b|\bcheap|\bsell for\b|\bafford"),
        ("investment", r"\binvest|\bstake\b|\bfunding\b|\braised?\b|\bput into\b|\bfund"),
        ("revenue", r"\brevenue|\bsales\b|\bprofit|\bloss|\bearn|\bincome\b"),
    )
)
MONEY_WINDOW = 5  # words either side of a sum that say what it is


def _unit_class(span: Span) -> str | None:
    if span.label == "MONEY":
        return "money"
    if span.label == "PERCENT":
        return "percent"
    if span.label not in ("QUANTITY", "CARDINAL", "DATE", "TIME"):
        return None
    for name, pattern in _UNIT_PATTERNS:
        if pattern.search(span.text):
            return name
    return "count" if span.label in ("QUANTITY", "CARDINAL") else None


def _unit_fit(
    q: Question, span: Span, unit: str | None, tokens: Sequence[tuple[str, int, int]]
) -> float:
    if q.qtype is not QuestionType.NUMBER:
        return 1.0
    if unit == "money" and q.money and q.money != (kind := _money_kind(span, tokens)):
        return 0.0 if kind else 0.8  # an investment is not a price
    if q.counted and unit in ("count", "cycles"):
        stems = _stems(span.text)
        if any(_match(c, s) for c in q.counted for s in stems):
            return 1.0
        return 0.85 if all(c.isdigit() or c in ",." for c in span.text.strip()) else 0.65
    if not q.units:
        return 0.75
    if unit in q.units:
        return 1.0
    if unit in _MEASURED or (unit == "count" and q.units <= _MEASURED):
        return 0.0  # "50%" is no price; nor is a bare "three" a weight
    return 0.2


# Unit classes a span states explicitly (a currency, "%", "Wh/kg", "kg", ...): such a span
# measures something else than a question expecting another class, so it cannot answer it
# (a price is never "50%", a weight never "280 Wh/kg", a count never "$700 million").
# Bare numbers ("count") and durations stay possible, at a low fit.
_MEASURED = frozenset(
    "money percent energy_density temperature speed energy distance power voltage mass "
    "cycles".split()
)


def _money_kind(span: Span, tokens: Sequence[tuple[str, int, int]]) -> str | None:
    """What a sum of money is (price, investment, revenue), from the words next to it."""
    k = sum(1 for _, _, e in tokens if e <= span.start)
    window = [t for t, _, _ in tokens[max(0, k - MONEY_WINDOW) : k + MONEY_WINDOW]]
    for kind, stems in _MONEY_STEMS.items():
        if any(w in stems for w in window):
            return kind
    return None


def _proximity(
    span: Span,
    tokens: Sequence[tuple[str, int, int]],
    in_sentence: Mapping[str, float],
    weights: Mapping[str, float],
) -> float:
    """IDF-weighted closeness (in words) of the span to the question terms in its sentence."""
    if not in_sentence:
        return 0.5
    before = sum(1 for _, s, e in tokens if e <= span.start)
    after = sum(1 for _, s, e in tokens if s < span.end)
    total = weight = 0.0
    for term, m in in_sentence.items():
        positions = [k for k, (t, _, _) in enumerate(tokens) if _match(term, t) == m]
        if not positions:
            continue
        dist = min(_gap(k, before, after) for k in positions)
        total += weights[term] * math.exp(-dist / 8.0)
        weight += weights[term]
    return total / weight if weight else 0.5


def _gap(k: int, before: int, after: int) -> int:
    """Words between token k and the span occupying token indexes [before, after)."""
    if k < before:
        return before - k - 1
    if k >= after:
        return k - after
    return 0


# ---------------------------------------------------------------- the answer


def extract_answer(
    question: str,
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    spans: Mapping[str, Sequence[Span]],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
    *,
    threshold: float,
) -> Answer:
    """The best answer span in the retrieved passages, or an abstention.

    Abstains (``answer=None``, no citations, passages kept as related reading) when the
    best confidence is below ``threshold`` or no span of the expected type exists.
    """
    q = parse_question(question)
    passages = tuple(hits)
    candidates = score_candidates(q, hits, articles, spans, sentences)
    best = candidates[0] if candidates else None
    if best is None or best.confidence < threshold:
        conf = best.confidence if best else 0.0
        return Answer(question, None, None, conf, True, passages=passages)
    picked = _figures(best, candidates, threshold) if q.qtype in _FIGURE_TYPES else [best]
    citations = tuple(
        _cite(n, articles[c.doc_id], c.sent_start, c.sent_end, hits)
        for n, c in enumerate(picked, start=1)
    )
    figures = ()
    if len(picked) > 1:
        figures = tuple(
            Figure(_answer_span(q, c).text, cit.quote, cit.n)
            for c, cit in zip(picked, citations, strict=True)
        )
    span = _answer_span(q, best)
    return Answer(
        question,
        span.text,
        citations[0].quote,
        best.confidence,
        False,
        citations=citations,
        passages=passages,
        figures=figures,
        answer_start=span.start - best.sent_start,
        answer_end=span.end - best.sent_start,
    )


def _answer_span(q: Question, c: Candidate) -> Span:
    """The span to show: "how many cars" gets "24,877", not "24,877 new cars"."""
    span = c.span
    if q.counted and c.unit in ("count", "cycles"):
        m = re.match(rf"{_NUMBER}(?=\s+[^\W\d])", span.text)
        if m:
            return Span(span.start, span.start + m.end(), span.label, m.group())
    return span


_FIGURE_TYPES = frozenset({QuestionType.NUMBER, QuestionType.DATE})


def _figures(best: Candidate, candidates: Iterable[Candidate], threshold: float) -> list[Candidate]:
    """The best candidate, then up to MAX_FIGURES - 1 others nearly as good, each from
    another sentence, of the same unit class, with a different answer text."""
    picked = [best]
    seen_sents = {(best.doc_id, best.sent_start)}
    seen_texts = {_norm_answer(best.span)}
    floor = max(threshold, FIGURE_RATIO * best.confidence)
    for c in candidates:
        if len(picked) >= MAX_FIGURES or c.confidence < floor:
            break
        if (c.doc_id, c.sent_start) in seen_sents:
            continue
        if c.unit != best.unit or _norm_answer(c.span) in seen_texts:
            continue
        seen_sents.add((c.doc_id, c.sent_start))
        seen_texts.add(_norm_answer(c.span))
        picked.append(c)
    return picked


def _norm_answer(span: Span) -> str:
    return re.sub(r"\W+", "", span.text.casefold())


def _cite(n: int, article: Article, start: int, end: int, hits: Sequence[Hit]) -> Citation:
    quote = article.text[start:end]
    hit = next((h for h in hits if h.chunk.doc_id == article.id), None)
    citation = Citation(
        n=n,
        doc_id=article.id,
        title=article.title or (hit.title if hit else None),
        title_derived=not article.title and hit is not None and hit.title_derived,
        date=article.date or (hit.date if hit else None),
        quote=quote,
        start=start,
        end=end,
    )
    if not quote or article.text[citation.start : citation.end] != citation.quote:
        raise CitationMismatchError(
            f"internal error: citation [{n}] of {article.id!r} does not match the article "
            f"text at {start}:{end}; rebuild the index with `evqa index --rebuild` and report it"
        )
    return citation
