"""All output formatting for humans (and the JSON helper). No other module formats.

Two flavours of everything:

* ``print_*`` write to a rich ``Console`` (panels, tables, the answer span highlighted
  in bold reverse video). Use them when stdout is a terminal.
* ``*_plain`` return plain text: no ANSI codes, no box drawing. Use them when stdout is
  piped. In plain text the answer span is marked with guillemets: ``«350 Wh/kg»`` (they
  are rare in English news, unlike ``*`` or ``_``, and survive grep and copy-paste).

Every piece of corpus text (titles, sentences, quotes, passages) and the question go
through ``rich.text.Text``, never through console markup, so ``[1]`` or ``[bold]`` in an
article is printed literally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from evqa.types import Answer, Citation, Figure, Hit

HIGHLIGHT = "bold reverse"  # the answer span, in a terminal
MARK_OPEN, MARK_CLOSE = "«", "»"  # the answer span, in plain text
PASSAGE_CHARS = 240  # passages are shortened to about this many characters
QUOTE_CHARS = 400  # citation quotes too (``/sources`` in chat shows them in full)
TITLE_CHARS = 100  # titles in hit, citation and best-guess lines (--json keeps them whole)
NOT_FOUND = "Not found in the articles"
# why, when the question gives no reason: what evqa knows, never that no article answers
LOW_CONFIDENCE = "No answer found with enough confidence"  # the reader's best span was unsure
NOT_FOUND_DETAIL = "The reader found no answer in the passages it read"  # no span at all
NO_PASSAGES = "No passage matches the question"
LISTED_BELOW = "; the closest passages are listed below"  # said only when they are
# a quote that is wholly in one of these pairs gets no second marks; for the double ones
# the marks must not recur inside (“A,” she said, “B.” is two quotes, not one)
QUOTE_PAIRS = {"“": "”", "„": "“", "«": "»", '"': '"', "‘": "’", "‚": "‘", "'": "'"}
DASH = " — "

# --- small text helpers ---------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace and cut ``text`` at a word boundary to at most ``limit`` chars."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def span_in(sentence: str, answer: str | None, start: int | None, end: int | None):
    """The (start, end) of the answer inside ``sentence``: the given offsets when they are
    valid, else the first occurrence of ``answer``, else None."""
    if start is not None and end is not None and 0 <= start < end <= len(sentence):
        return start, end
    if answer:
        i = sentence.find(answer)
        if i >= 0:
            return i, i + len(answer)
    return None


def not_found_detail(answer: Answer, *, listed: bool = False) -> str:
    """Why an abstained answer has none: its own reason (capitalised), else what happened
    (a best span too unsure, no span, no passage), pointing to the passages below when
    ``listed`` (they are shown)."""
    if answer.reason:
        return answer.reason[0].upper() + answer.reason[1:] + "."
    if answer.best_guess is not None:
        detail = LOW_CONFIDENCE
    else:
        detail = NOT_FOUND_DETAIL if answer.passages else NO_PASSAGES
    return detail + (LISTED_BELOW if listed else "") + "."


def best_guess_line(answer: Answer) -> str:
    """``Best guess: about 45 percent (confidence 0.17), from Title`` for an abstention for
    low confidence; else just the confidence."""
    g = answer.best_guess
    if g is None:
        return f"confidence {answer.confidence:.2f}"
    source = short_title(g.title, full=False) or g.doc_id
    return visible(f"Best guess: {g.answer} (confidence {answer.confidence:.2f}), from {source}")


def short_title(title: str | None, *, full: bool) -> str | None:
    """``title`` shortened to about ``TITLE_CHARS`` at a word boundary, unless ``full``."""
    if title is None or full:
        return title
    return shorten(title, TITLE_CHARS)


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it is already wholly quoted (``“Our customers
    wait.”`` is not quoted twice). Both marks or none: ``“Our customers wait,” she said.``
    and ``the investors’`` (a possessive, not a closing mark) get both."""
    close = QUOTE_PAIRS.get(text[:1])
    if close and len(text) > 1 and text.endswith(close):
        inner = text[1:-1]
        if close in "’'" or (text[0] not in inner and close not in inner):  # ’ is an apostrophe too
            return text
    return f"“{text}”"


def source_line(c: Citation, *, full: bool = False) -> str:
    """``[1] Title — 2024-05-01 — doc_id — source: wire  chars 10–52`` (missing title, date
    or source are left out, and so is a source that is only the file the id names). A long
    title is shortened unless ``full``."""
    source = None if _names_its_file(c.source, c.doc_id) else f"source: {c.source}"
    title = short_title(c.title, full=full)
    head = DASH.join(x for x in (title, c.date, c.doc_id, source) if x)
    return visible(f"[{c.n}] {head}  chars {c.start}–{c.end}")


def _names_its_file(source: str | None, doc_id: str) -> bool:
    """Whether ``source`` is missing or only says what ``doc_id`` does: the file of a folder
    corpus the id is the path of ("sub/story.md" for "sub/story")."""
    return not source or re.fullmatch(re.escape(doc_id) + r"\.\w+", source) is not None


def hit_line(h: Hit, *, full: bool = False) -> str:
    """``1. 0.812  Title — 2024-05-01  doc_id  doc_id#3`` for a passage or search hit (a
    long title shortened unless ``full``)."""
    meta = DASH.join(x for x in (short_title(h.title, full=full), h.date) if x)
    parts = [f"{h.rank}.", f"{h.score:.3f}", meta, h.doc_id, f"({h.chunk.id})"]
    return visible("  ".join(p for p in parts if p))


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` without control characters (but tabs and newlines): an article's title or
    id must never send escape sequences to the terminal (colours, a window title)."""
    return _CONTROLS.sub("", text)


def explain_line(h: Hit) -> str:
    """Each retriever's rank, raw score and share of the fused score, sorted by name."""
    parts = []
    for name in sorted(h.explain):
        r = h.explain[name]
        if r.rank is None:
            parts.append(f"{name}: not ranked")
            continue
        score = "n/a" if r.score is None else f"{r.score:.3f}"
        parts.append(f"{name}: rank {r.rank}, score {score}, share {r.share:.0%}")
    return " | ".join(parts) if parts else "no retriever details"


def answer_markers(answer: Answer) -> list[int]:
    """The citation numbers that back the answer sentence (the quotes that contain it, or
    that it contains); the first citation when none matches."""
    s = answer.answer_sentence or ""
    ns = [c.n for c in answer.citations if s and (s in c.quote or c.quote in s)]
    if not ns and answer.citations:
        ns = [answer.citations[0].n]
    return ns


def markers(ns: Sequence[int]) -> str:
    return " ".join(f"[{n}]" for n in ns)


# --- rich ------------------------------------------------------------------------------


def make_console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr). Colour follows rich's own detection: none when
    NO_COLOR is set or the stream is not a terminal. No auto-highlighting, no emoji codes:
    corpus text is shown exactly as written."""
    return Console(stderr=stderr, highlight=False, emoji=False)


def needs_marks(console: Console) -> bool:
    """Whether ``console`` shows no styles at all, so the answer span needs «marks»: no
    colour system (TERM=dumb, e.g. Emacs M-x shell, or not a terminal). NO_COLOR is not
    such a case: rich drops only the colours and keeps bold reverse video."""
    return console.color_system is None


def highlighted(sentence: str, span: tuple[int, int] | None, *, marks: bool = False) -> Text:
    """``sentence`` with the answer ``span`` in bold reverse video, and between «marks»
    too when ``marks`` (for a console that shows no styles)."""
    if span is None:
        return Text(sentence)
    a, b = span
    if marks:
        sentence, b = marked(sentence, span), b + len(MARK_OPEN) + len(MARK_CLOSE)
    text = Text(sentence)
    text.stylize(HIGHLIGHT, a, b)
    return text


def _answer_body(answer: Answer, *, marks: bool) -> list[RenderableType]:
    sentence = answer.answer_sentence or answer.answer or ""
    span = span_in(sentence, answer.answer, answer.answer_start, answer.answer_end)
    cites = markers(answer_markers(answer))
    body: list[RenderableType] = []
    line = highlighted(sentence, span, marks=marks)
    if cites:
        line.append(" " + cites, style="cyan")
    body.append(line)
    body.append(Text(""))
    verdict = Text("Answer: ", style="bold")
    verdict.append(answer.answer or "", style="bold")
    verdict.append(f"   confidence {answer.confidence:.2f}", style="dim")
    body.append(verdict)
    if len(answer.figures) > 1:
        body.append(Text(""))
        body.append(figures_table(answer.figures, marks=marks))
    return body


def figures_table(figures: Sequence[Figure], *, marks: bool = False) -> Table:
    """Several figures side by side: figure | sentence (figure highlighted) | source."""
    table = Table(show_edge=False, expand=True, pad_edge=False)
    table.add_column("figure", no_wrap=True, style="bold")
    table.add_column("sentence", ratio=1)
    table.add_column("source", no_wrap=True, justify="right")
    for f in figures:
        span = span_in(f.sentence, f.answer, None, None)
        line = highlighted(f.sentence, span, marks=marks)
        table.add_row(Text(f.answer), line, Text(f"[{f.citation}]"))
    return table


def question_title(console: Console, question: str) -> tuple[Text, list[RenderableType]]:
    """The panel title for ``question`` and what goes first in the panel's body: nothing
    when the question fits in the title, else the whole question (and a shortened title),
    since rich cuts a title at the panel's width."""
    room = console.width - 6  # the panel's corners and border, the title's padding
    if cell_len(question) <= room:
        return Text(question, style="bold"), []
    title = Text(shorten(question, max(room, 1)), style="bold")
    title.truncate(max(room, 1), overflow="ellipsis")  # wide (CJK) characters
    return title, [Text(question, style="bold"), Text("")]


def print_answer(console: Console, answer: Answer, *, show_passages: bool = True) -> None:
    """An answer panel (or a plain 'not found' panel), its sources and passages."""
    title, head = question_title(console, answer.question)
    if answer.abstained:
        body = Group(
            *head,
            Text(NOT_FOUND, style="bold yellow"),
            Text(not_found_detail(answer, listed=show_passages and bool(answer.passages))),
            Text(best_guess_line(answer), style="dim"),
        )
        console.print(Panel(body, title=title, title_align="left", border_style="yellow"))
        if show_passages:
            print_passages(console, answer.passages, heading="Related passages")
        return
    body = _answer_body(answer, marks=needs_marks(console))
    console.print(Panel(Group(*head, *body), title=title, title_align="left"))
    print_sources(console, answer)
    if show_passages:
        print_passages(console, answer.passages, heading="Supporting passages")


def print_sources(console: Console, answer: Answer, *, full: bool = False) -> None:
    """The numbered citations with their quotes (shortened unless ``full``)."""
    if not answer.citations:
        return
    console.print(Text("Sources", style="bold underline"))
    for c in answer.citations:
        console.print(Text(source_line(c, full=full), style="cyan"))
        quote = c.quote if full else shorten(c.quote, QUOTE_CHARS)
        console.print(Padding(Text(quoted(quote), style="italic"), (0, 0, 0, 4)))
    console.print()


def print_passages(
    console: Console, hits: Sequence[Hit], *, heading: str, full: bool = False
) -> None:
    if not hits:
        return
    console.print(Text(heading, style="bold underline"))
    for h in hits:
        _print_hit(console, h, full=full, explain=False)
    console.print()


def print_full_sources(console: Console, answer: Answer) -> None:
    """For chat's /sources: every citation quote and every passage, unshortened."""
    if not answer.citations and not answer.passages:
        console.print(Text("The last answer has no sources."))
        return
    print_sources(console, answer, full=True)
    heading = "Related passages" if answer.abstained else "Supporting passages"
    print_passages(console, answer.passages, heading=heading, full=True)


def _print_hit(console: Console, h: Hit, *, full: bool, explain: bool) -> None:
    console.print(Text(hit_line(h, full=full), style="bold"))
    if explain:
        console.print(Padding(Text(explain_line(h), style="dim"), (0, 0, 0, 4)))
    text = h.chunk.text if full else shorten(h.chunk.text, PASSAGE_CHARS)
    console.print(Padding(Text(text), (0, 0, 0, 4)))


def print_hits(console: Console, hits: Sequence[Hit], *, explain: bool = False) -> None:
    """Search results: rank, score, title, date, doc_id, chunk id, text (and, with
    ``explain``, each retriever's rank, score and share of the fused score)."""
    if not hits:
        console.print(Text("No passages found."))
        return
    for h in hits:
        _print_hit(console, h, full=False, explain=explain)


# --- plain text ------------------------------------------------------------------------


def _indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line for line in text.splitlines())


def marked(sentence: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return sentence
    a, b = span
    return f"{sentence[:a]}{MARK_OPEN}{sentence[a:b]}{MARK_CLOSE}{sentence[b:]}"


def answer_plain(answer: Answer, *, show_passages: bool = True) -> str:
    """The content of ``print_answer`` as plain text (no ANSI codes, no box drawing).
    The answer span in the sentence is marked «like this»."""
    lines = [f"Q: {answer.question}", ""]
    if answer.abstained:
        detail = not_found_detail(answer, listed=show_passages and bool(answer.passages))
        lines += [NOT_FOUND, detail, best_guess_line(answer), ""]
        if show_passages:
            lines += _passages_plain(answer.passages, "Related passages")
        return "\n".join(lines).rstrip() + "\n"
    sentence = answer.answer_sentence or answer.answer or ""
    span = span_in(sentence, answer.answer, answer.answer_start, answer.answer_end)
    cites = markers(answer_markers(answer))
    lines.append(f"Answer: {answer.answer or ''}   confidence {answer.confidence:.2f}")
    lines.append(_indent(f"{marked(sentence, span)} {cites}".rstrip()))
    lines.append("")
    if len(answer.figures) > 1:
        lines += _figures_plain(answer.figures)
    lines += sources_plain(answer)
    if show_passages:
        lines += _passages_plain(answer.passages, "Supporting passages")
    return "\n".join(lines).rstrip() + "\n"


def _figures_plain(figures: Sequence[Figure]) -> list[str]:
    lines = ["Figures"]
    width = max(len(f.answer) for f in figures)
    for f in figures:
        span = span_in(f.sentence, f.answer, None, None)
        lines.append(f"  {f.answer:<{width}}  [{f.citation}]  {marked(f.sentence, span)}")
    return [*lines, ""]


def sources_plain(answer: Answer, *, full: bool = False) -> list[str]:
    if not answer.citations:
        return []
    lines = ["Sources"]
    for c in answer.citations:
        quote = c.quote if full else shorten(c.quote, QUOTE_CHARS)
        lines += [source_line(c, full=full), _indent(quoted(quote))]
    return [*lines, ""]


def _passages_plain(
    hits: Sequence[Hit], heading: str, *, full: bool = False, explain: bool = False
) -> list[str]:
    if not hits:
        return []
    lines = [heading]
    for h in hits:
        lines.append(hit_line(h, full=full))
        if explain:
            lines.append(_indent(explain_line(h)))
        lines.append(_indent(h.chunk.text if full else shorten(h.chunk.text, PASSAGE_CHARS)))
    return [*lines, ""]


def full_sources_plain(answer: Answer) -> str:
    """For chat's /sources in plain mode: every quote and passage, unshortened."""
    if not answer.citations and not answer.passages:
        return "The last answer has no sources.\n"
    heading = "Related passages" if answer.abstained else "Supporting passages"
    lines = sources_plain(answer, full=True) + _passages_plain(answer.passages, heading, full=True)
    return "\n".join(lines).rstrip() + "\n"


def hits_plain(hits: Sequence[Hit], explain: bool = False) -> str:
    """Search results as plain text (see ``print_hits``)."""
    if not hits:
        return "No passages found.\n"
    lines = _passages_plain(hits, "Results", explain=explain)
    return "\n".join(lines[1:]).rstrip() + "\n"


# --- JSON ------------------------------------------------------------------------------


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """Stable JSON: UTF-8 text kept as is (ensure_ascii=False), key order as given (the
    dataclasses' ``to_dict`` order), one line unless ``indent``. Objects with ``to_dict``,
    dataclasses, paths and numpy values are converted."""
    return json.dumps(obj, ensure_ascii=False, indent=indent, default=_default)


def print_table(console: Console, table: Any) -> None:
    """Render a rendering-neutral table (title, columns, rows of strings), e.g. eval results."""
    out = Table(title=table.title, title_justify="left")
    for i, col in enumerate(table.columns):
        out.add_column(col, justify="left" if i == 0 else "right")
    for row in table.rows:
        out.add_row(*(Text(str(cell)) for cell in row))
    console.print(out)
