"""evqa.cli.render: terminal and plain output of answers and hits, from synthetic records."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from evqa.cli import render
from evqa.types import Answer, BestGuess, Chunk, Citation, Figure, Hit, RetrieverScore

ANSI = re.compile(r"\x1b\[")
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7][;m]")
BOX = set("╭╮╰╯│─┃━┏┓┗┛╇┡┩")

CELL = "The Helios cell stores 350 Wh/kg, a record."
PACK = "At pack level the figure drops to 280 Wh/kg."
TRICKY = "Quote [1] [bold]x[/bold] [red] stays literal."


def hit(rank: int, doc: str, text: str, *, title: str | None = "Helios Battery", **explain):
    chunk = Chunk(f"{doc}#0", doc, 0, len(text), text)
    return Hit(rank, 1.0 / rank, chunk, title, "2024-03-05", dict(explain))


def answer(**over) -> Answer:
    fields = dict(
        question="energy density of the Helios cell?",
        answer="350 Wh/kg",
        answer_sentence=CELL,
        confidence=0.8234,
        abstained=False,
        citations=(
            Citation(1, "alpha", "Helios Battery", "2024-03-05", CELL, 10, 10 + len(CELL)),
            Citation(2, "bravo", None, "2024-04", PACK, 0, len(PACK)),
        ),
        passages=(hit(1, "alpha", "Intro. " + CELL), hit(2, "bravo", PACK, title=None)),
        answer_start=CELL.index("350"),
        answer_end=CELL.index("350") + len("350 Wh/kg"),
    )
    fields.update(over)
    return Answer(**fields)


def abstained() -> Answer:
    return answer(
        answer=None,
        answer_sentence=None,
        confidence=0.1,
        abstained=True,
        citations=(),
        answer_start=None,
        answer_end=None,
    )


def figures() -> tuple[Figure, ...]:
    return (Figure("350 Wh/kg", CELL, 1), Figure("280 Wh/kg", PACK, 2))


def render_to(fn, *args, terminal: bool = True, **kw) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=terminal, width=100, highlight=False)
    fn(console, *args, **kw)
    return buf.getvalue()


def strip_ansi(s: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


# --- print_answer ---------------------------------------------------------------------


def test_answer_span_is_highlighted_bold_reverse():
    out = render_to(render.print_answer, answer())
    assert "\x1b[1;7m350 Wh/kg\x1b[0m" in out
    # the rest of the sentence is not highlighted
    assert "\x1b[1;7mThe Helios" not in out


def test_answer_panel_has_question_answer_confidence_and_marker():
    out = strip_ansi(render_to(render.print_answer, answer()))
    assert "energy density of the Helios cell?" in out
    assert "Answer: 350 Wh/kg" in out
    assert "confidence 0.82" in out
    assert "record. [1]" in out


def test_numbered_sources_show_title_date_doc_and_offsets():
    out = strip_ansi(render_to(render.print_answer, answer()))
    assert f"[1] Helios Battery — 2024-03-05 — alpha  chars 10–{10 + len(CELL)}" in out
    assert f"[2] 2024-04 — bravo  chars 0–{len(PACK)}" in out  # no title: left out
    assert f"“{CELL}”" in out


def test_supporting_passages_listed_with_rank_score_and_doc():
    out = strip_ansi(render_to(render.print_answer, answer()))
    assert "Supporting passages" in out
    assert "1.  1.000  Helios Battery — 2024-03-05  alpha  (alpha#0)" in out
    assert "2.  0.500  2024-03-05  bravo  (bravo#0)" in out


def test_passages_can_be_hidden():
    out = strip_ansi(render_to(render.print_answer, answer(), show_passages=False))
    assert "Supporting passages" not in out
    assert "Sources" in out


def test_long_passages_are_shortened():
    long = "word " * 200
    a = answer(passages=(hit(1, "alpha", long),))
    out = strip_ansi(render_to(render.print_answer, a))
    assert "…" in out
    assert out.count("word") < 100


def test_figures_table_side_by_side_with_highlights_and_sources():
    out = render_to(render.print_answer, answer(figures=figures()))
    plain = strip_ansi(out)
    assert "figure" in plain and "sentence" in plain and "source" in plain
    row = next(line for line in plain.splitlines() if "280 Wh/kg" in line and "[2]" in line)
    assert "At pack level" in row
    assert "\x1b[1;7m280 Wh/kg\x1b[0m" in out


def test_single_figure_gives_no_table():
    out = strip_ansi(render_to(render.print_answer, answer(figures=figures()[:1])))
    assert "sentence" not in out


def test_abstention_says_not_found_and_lists_related_passages():
    out = strip_ansi(render_to(render.print_answer, abstained()))
    assert "Not found in the articles" in out
    assert "The reader found no answer in the passages it read" in out
    assert "Related passages" in out
    assert "Supporting passages" not in out
    assert "Answer:" not in out
    assert "Sources" not in out


def test_corpus_brackets_are_printed_literally():
    c = Citation(1, "alpha", "Title [draft]", None, TRICKY, 0, len(TRICKY))
    a = answer(
        question="what about [bold]this[/bold]?",
        answer="[1]",
        answer_sentence=TRICKY,
        answer_start=6,
        answer_end=9,
        citations=(c,),
        passages=(hit(1, "alpha", TRICKY, title="[red]T[/red]"),),
        figures=(Figure("[1]", TRICKY, 1), Figure("[red]", TRICKY, 1)),
    )
    for terminal in (True, False):
        out = strip_ansi(render_to(render.print_answer, a, terminal=terminal))
        # the answer sentence (off a terminal, no styles: the span is «marked»)
        assert f"{TRICKY if terminal else render.marked(TRICKY, (6, 9))} [1]" in out
        assert f"“{TRICKY}”" in out  # the quote
        assert out.count(TRICKY) == (5 if terminal else 2)  # + the passage, two figure rows
        assert "what about [bold]this[/bold]?" in out
        assert "Title [draft]" in out
        assert "[red]T[/red]" in out


def test_bracket_safety_in_hits():
    out = strip_ansi(render_to(render.print_hits, [hit(1, "alpha", TRICKY)], explain=False))
    assert TRICKY in out


def test_no_color_console_keeps_highlight_but_drops_colours():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, no_color=True, width=100)
    render.print_answer(console, abstained())
    render.print_answer(console, answer())
    out = buf.getvalue()
    assert not COLOUR.search(out)
    assert "\x1b[1;7m350 Wh/kg" in out


def test_a_console_without_colours_marks_the_span_with_guillemets():
    # TERM=dumb (Emacs M-x shell): rich has no colour system and prints no style at all,
    # so the span gets the marks of the plain output, in the sentence and the figures table
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system=None, width=100)
    render.print_answer(console, answer(figures=figures()))
    out = buf.getvalue()
    assert not ANSI.search(out)
    assert "stores «350 Wh/kg», a record. [1]" in out
    assert "drops to «280 Wh/kg»." in out


def test_a_dumb_terminal_gets_the_guillemets(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # a terminal, whatever pytest's stdout is
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    console = render.make_console()
    console.file = io.StringIO()
    assert console.is_terminal and render.needs_marks(console)
    render.print_answer(console, answer(), show_passages=False)
    assert "«350 Wh/kg»" in console.file.getvalue()


def test_a_colour_terminal_highlights_the_span_without_guillemets():
    for console in (Console(force_terminal=True), Console(force_terminal=True, no_color=True)):
        assert not render.needs_marks(console)  # NO_COLOR keeps bold reverse video
        console.file = io.StringIO()
        render.print_answer(console, answer(figures=figures()))
        out = console.file.getvalue()
        assert "\x1b[1;7m350 Wh/kg" in out and "«" not in out


def test_make_console_honours_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert render.make_console().no_color
    monkeypatch.delenv("NO_COLOR")
    assert not render.make_console().no_color


def test_make_console_on_non_tty_is_plain(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    console = render.make_console()
    console.file = io.StringIO()
    assert not console.is_terminal


def test_make_console_stderr():
    assert render.make_console(stderr=True).stderr


def test_non_terminal_console_has_no_ansi():
    out = render_to(render.print_answer, answer(figures=figures()), terminal=False)
    assert not ANSI.search(out)


def test_missing_offsets_fall_back_to_finding_the_answer():
    a = answer(answer_start=None, answer_end=None)
    assert "\x1b[1;7m350 Wh/kg\x1b[0m" in render_to(render.print_answer, a)
    bad = answer(answer_start=40, answer_end=400)
    assert "\x1b[1;7m350 Wh/kg\x1b[0m" in render_to(render.print_answer, bad)


# --- answer_plain ------------------------------------------------------------------------


def test_plain_answer_marks_span_with_guillemets():
    text = render.answer_plain(answer())
    assert "The Helios cell stores «350 Wh/kg», a record. [1]" in text
    assert "Answer: 350 Wh/kg" in text
    assert "confidence 0.82" in text


def test_plain_answer_has_no_ansi_and_no_box_drawing():
    text = render.answer_plain(answer(figures=figures()))
    assert not ANSI.search(text)
    assert not BOX & set(text)


def test_plain_answer_lists_sources_passages_and_figures():
    text = render.answer_plain(answer(figures=figures()))
    assert f"[1] Helios Battery — 2024-03-05 — alpha  chars 10–{10 + len(CELL)}" in text
    assert f"“{PACK}”" in text
    assert "Supporting passages" in text
    assert "1.  1.000  Helios Battery — 2024-03-05  alpha  (alpha#0)" in text
    assert "Figures" in text
    assert "280 Wh/kg  [2]  At pack level the figure drops to «280 Wh/kg»." in text


def test_plain_abstention():
    text = render.answer_plain(abstained())
    assert "Not found in the articles" in text
    assert "Related passages" in text
    assert "Answer:" not in text


def test_an_abstention_with_a_reason_gives_the_reason():
    a = Answer("battery battery", None, None, 0.0, True, reason="the question repeats words")
    for out in (render.answer_plain(a), strip_ansi(render_to(render.print_answer, a))):
        assert "Not found in the articles" in out
        assert "The question repeats words." in out
        assert "do not contain an answer" not in out


def test_plain_keeps_brackets():
    a = answer(answer_sentence=TRICKY, answer="[1]", answer_start=6, answer_end=9)
    assert "Quote «[1]» [bold]x[/bold] [red] stays literal." in render.answer_plain(a)


def test_full_sources_are_not_shortened():
    long = "The pack " + "detail " * 120 + "ends here."
    a = answer(passages=(hit(1, "alpha", long),))
    assert "ends here." not in render.answer_plain(a)
    assert "ends here." in render.full_sources_plain(a)
    out = strip_ansi(render_to(render.print_full_sources, a))
    assert "ends here." in out
    assert "Sources" in out


def test_full_sources_without_any():
    a = abstained()
    a = Answer(a.question, None, None, 0.0, True)
    assert "no sources" in render.full_sources_plain(a)
    assert "no sources" in render_to(render.print_full_sources, a)


# --- hits -------------------------------------------------------------------------------


def explained_hits() -> list[Hit]:
    return [
        hit(
            1,
            "alpha",
            CELL,
            bm25=RetrieverScore(2, 12.5, 0.31),
            dense=RetrieverScore(1, 0.78, 0.69),
        ),
        hit(
            2,
            "bravo",
            PACK,
            dense=RetrieverScore(3, 0.5, 1.0),
            bm25=RetrieverScore(None, None, 0.0),
        ),
    ]


def test_hits_plain_with_explain():
    text = render.hits_plain(explained_hits(), explain=True)
    lines = text.splitlines()
    assert lines[0] == "1.  1.000  Helios Battery — 2024-03-05  alpha  (alpha#0)"
    assert "bm25: rank 2, score 12.500, share 31% | dense: rank 1, score 0.780, share 69%" in text
    assert "bm25: not ranked | dense: rank 3" in text  # sorted by retriever name
    assert CELL in text and PACK in text
    assert not ANSI.search(text)


def test_hits_plain_without_explain():
    text = render.hits_plain(explained_hits(), explain=False)
    assert "share" not in text
    assert "(bravo#0)" in text


def test_print_hits_explain():
    out = strip_ansi(render_to(render.print_hits, explained_hits(), explain=True))
    assert "share 69%" in out and "(alpha#0)" in out
    out = strip_ansi(render_to(render.print_hits, explained_hits(), explain=False))
    assert "share" not in out


def test_no_hits():
    assert render.hits_plain([]) == "No passages found.\n"
    assert "No passages found." in render_to(render.print_hits, [], explain=False)


# --- helpers ----------------------------------------------------------------------------


def test_shorten_cuts_at_a_word():
    assert render.shorten("a  b\n c", 10) == "a b c"
    s = render.shorten("alpha beta gamma delta", 13)
    assert s == "alpha beta…" and len(s) <= 13


def test_to_json_is_stable_and_keeps_unicode():
    a = answer(figures=figures())
    s = render.to_json(a)
    assert s == render.to_json(a.to_dict())
    assert "—" not in s and "“" not in s  # no rendering leaks into JSON
    assert json.loads(s)["answer_offsets"] == [23, 32]
    assert render.to_json({"t": "Zürich – 5 °C"}) == '{"t": "Zürich – 5 °C"}'
    assert "\n" not in s
    assert render.to_json({"a": 1}, indent=2) == '{\n  "a": 1\n}'


def test_to_json_converts_paths_and_numpy():
    s = render.to_json({"p": Path("/x/y"), "f": np.float32(0.5), "v": np.arange(2)})
    assert json.loads(s) == {"p": "/x/y", "f": 0.5, "v": [0, 1]}
    with pytest.raises(TypeError):
        render.to_json({"o": object()})


def test_not_found_points_to_passages_only_when_they_are_shown():
    with_passages, without = abstained(), replace(abstained(), passages=())
    listed = "the closest passages are listed below"
    for fn in (
        render.answer_plain,
        lambda a, **kw: strip_ansi(render_to(render.print_answer, a, **kw)),
    ):
        assert listed in fn(with_passages)
        assert listed not in fn(without)
        assert listed not in fn(with_passages, show_passages=False)
        assert "No passage matches the question." in fn(without)


def test_a_low_confidence_abstention_says_so_and_gives_the_best_guess():
    guess = BestGuess("about 45 percent", "kestrel", "Kestrel targets 45% yield")
    a = replace(abstained(), confidence=0.1712, best_guess=guess)
    for fn in (render.answer_plain, lambda a: strip_ansi(render_to(render.print_answer, a))):
        out = fn(a)
        assert "Not found in the articles" in out
        assert "No answer found with enough confidence; the closest passages are listed" in out
        assert (
            "Best guess: about 45 percent (confidence 0.17), from Kestrel targets 45% yield" in out
        )
        assert "do not contain an answer" not in out and "reader found no answer" not in out
    untitled = replace(a, best_guess=replace(guess, title=None))
    assert "Best guess: about 45 percent (confidence 0.17), from kestrel" in render.answer_plain(
        untitled
    )
    assert a.to_dict()["best_guess"] == {
        "answer": "about 45 percent",
        "doc_id": "kestrel",
        "title": "Kestrel targets 45% yield",
        "title_derived": False,
    }
    assert abstained().to_dict()["best_guess"] is None


@pytest.mark.parametrize(
    ("quote", "shown"),
    [
        ("Our customers wait.", "“Our customers wait.”"),
        ("“Our customers wait,” she said.", "““Our customers wait,” she said.”"),
        ("He said: “we wait.”", "“He said: “we wait.””"),
        ("“We wait,” she said, “for chips.”", "““We wait,” she said, “for chips.””"),
        ("Sales rose in the '90s", "“Sales rose in the '90s”"),
        ("the investors'", "“the investors'”"),
        ("the investors’", "“the investors’”"),
        ("‘We wait for the investors’", "‘We wait for the investors’"),
        ("'We wait for the investors'", "'We wait for the investors'"),
        ("“We wait.”", "“We wait.”"),
        ('"We wait."', '"We wait."'),
        ("«Nous attendons.»", "«Nous attendons.»"),
    ],
)
def test_a_quote_that_has_its_own_quotation_marks_gets_no_second_ones(quote, shown):
    c = Citation(1, "alpha", "Helios Battery", None, quote, 0, len(quote))
    a = answer(answer_sentence=quote, answer="wait", citations=(c,), answer_start=None)
    for out in (
        render.answer_plain(a),
        strip_ansi(render_to(render.print_answer, a)),
        render.full_sources_plain(a),
    ):
        assert shown in [line.strip() for line in out.splitlines()]


LONG_QUESTION = "What is the [bold]energy density[/bold] of the Helios solar boat battery?"


def test_a_question_too_long_for_the_title_is_shown_whole_in_the_panel():
    for a in (answer(question=LONG_QUESTION), replace(abstained(), question=LONG_QUESTION)):
        buf = io.StringIO()
        render.print_answer(Console(file=buf, width=40), a, show_passages=False)
        lines = buf.getvalue().splitlines()
        assert lines[0].startswith("╭─ What is the") and "…" in lines[0]
        body = " ".join(line.strip("│ ") for line in lines[1:])
        assert LONG_QUESTION in " ".join(body.split())  # whole, brackets kept


def test_a_question_that_fits_is_only_the_title():
    out = render_to(render.print_answer, answer(), terminal=False)
    assert out.count("energy density of the Helios cell?") == 1
    assert out.splitlines()[0].startswith("╭─ energy density of the Helios cell? ─")


def test_titles_and_ids_never_send_escape_sequences():
    from evqa.cli.render import hit_line, visible

    evil = "Evil \x1b[31mRED\x1b[0m \x9b31m \x1b]0;PWNED\x07 end"
    assert visible(evil) == "Evil [31mRED[0m 31m ]0;PWNED end"
    hit = Hit(1, 0.5, Chunk("a#0", "a", 0, 1, "x"), title=evil)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in hit_line(hit))


@pytest.mark.parametrize(
    ("doc_id", "source", "shown"),
    [
        ("j1", "wire", "j1 — source: wire"),
        ("j2", "news.jsonl:2", "j2 — source: news.jsonl:2"),
        ("news", "news.jsonl:2", "news — source: news.jsonl:2"),
        ("sub/story", "sub/story.md", "sub/story"),  # the file the id names: said already
        ("sub/story", None, "sub/story"),
    ],
)
def test_a_citation_shows_its_source_unless_it_is_the_file_its_id_names(doc_id, source, shown):
    c = Citation(1, doc_id, "Helios Battery", "2024-03-05", "Cells", 0, 5, source=source)
    line = f"[1] Helios Battery — 2024-03-05 — {shown}  chars 0–5"
    assert render.source_line(c) == line
    a = answer(citations=(c,), passages=())
    assert line in render.answer_plain(a)
    assert line in strip_ansi(render_to(render.print_answer, a))


LONG_TITLE = "A Very Long Title " * 20  # 359 characters, as in the audit's longferry.md


def long_titled() -> Answer:
    c = Citation(1, "ferry", LONG_TITLE, "2023-06-01", CELL, 0, len(CELL))
    return answer(citations=(c,), passages=(hit(1, "ferry", CELL, title=LONG_TITLE),))


def test_long_titles_are_shortened_in_hit_citation_and_best_guess_lines():
    short = ("A Very Long Title " * 5) + "A Very…"  # 98 characters, cut at a word
    a = long_titled()
    guess = replace(abstained(), best_guess=BestGuess("x", "ferry", LONG_TITLE))
    assert render.hit_line(a.passages[0]) == f"1.  1.000  {short} — 2024-03-05  ferry  (ferry#0)"
    assert render.source_line(a.citations[0]).startswith(f"[1] {short} — 2023-06-01 — ferry")
    assert render.best_guess_line(guess).endswith(f"from {short}")
    outputs = (
        render.answer_plain(a),
        render.answer_plain(guess),
        render.hits_plain(a.passages),
        strip_ansi(render_to(render.print_answer, a)),
        strip_ansi(render_to(render.print_answer, guess)),
        strip_ansi(render_to(render.print_hits, a.passages)),
    )
    for out in outputs:
        flat = " ".join(out.replace("│", " ").split())  # rich wraps at 100 columns
        assert short in flat and LONG_TITLE.strip() not in flat


def test_full_sources_and_json_keep_the_whole_title():
    a = long_titled()
    whole = LONG_TITLE.strip()
    assert render.full_sources_plain(a).count(whole) == 2  # the citation and the passage
    out = render_to(render.print_full_sources, a, terminal=False)
    assert " ".join(out.split()).count(whole) == 2
    data = json.loads(render.to_json(a))
    assert data["citations"][0]["title"] == LONG_TITLE
    assert data["passages"][0]["title"] == LONG_TITLE
