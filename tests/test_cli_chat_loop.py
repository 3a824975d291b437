"""evqa.cli.chat_loop: piped and interactive sessions against a fake engine."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from evqa.cli import chat_loop
from evqa.errors import InputError
from evqa.types import Answer, Chunk, Citation, Hit

LONG_TAIL = "and the tail of a very long passage that only /sources shows in full."


@dataclass
class FakeEngine:
    k: int = 5
    mode: str = "hybrid"
    asked: list[tuple[str, int, str]] = field(default_factory=list)

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer:
        if question == "boom":
            raise InputError("the question is not allowed; ask something else")
        self.asked.append(
            (question, self.k if k is None else k, self.mode if mode is None else mode)
        )
        sentence = f"The answer to {question} is 42 kWh."
        text = sentence + " filler" * 80 + " " + LONG_TAIL
        chunk = Chunk("doc#0", "doc", 0, len(text), text)
        return Answer(
            question=question,
            answer="42 kWh",
            answer_sentence=sentence,
            confidence=0.9,
            abstained=False,
            citations=(Citation(1, "doc", "Doc [x]", "2024-01-01", sentence, 0, len(sentence)),),
            passages=(Hit(1, 0.9, chunk, "Doc [x]", "2024-01-01"),),
            answer_start=sentence.index("42"),
            answer_end=sentence.index("42") + 6,
        )


def piped(lines: str, *, json_mode: bool = False, engine: FakeEngine | None = None):
    """(exit code, stdout and stderr together, engine)"""
    code, out, err, engine = piped_apart(lines, json_mode=json_mode, engine=engine)
    return code, out + err, engine


def piped_apart(lines: str, *, json_mode: bool = False, engine: FakeEngine | None = None):
    """(exit code, stdout, stderr, engine)"""
    engine = engine or FakeEngine()
    out, err = io.StringIO(), io.StringIO()
    code = chat_loop.run_chat(
        engine,
        json_mode=json_mode,
        input_stream=io.StringIO(lines),
        output=out,
        error_output=err,
    )
    return code, out.getvalue(), err.getvalue(), engine


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# --- piped, plain ----------------------------------------------------------------------


def test_piped_questions_answered_in_turn():
    code, out, engine = piped("first question\n\n   \nsecond question\n")
    assert code == 0
    assert [q for q, _, _ in engine.asked] == ["first question", "second question"]
    assert out.index("Q: first question") < out.index("Q: second question")
    assert "«42 kWh»" in out
    assert out.count("-" * 40) == 1  # one rule between the two answers
    assert "\x1b[" not in out


def test_stream_without_final_newline():
    code, out, engine = piped("only question")
    assert code == 0 and engine.asked[0][0] == "only question"


def test_k_command_changes_engine_k():
    code, out, engine = piped("/k 3\nquestion\n")
    assert engine.k == 3
    assert engine.asked == [("question", 3, "hybrid")]
    assert "k = 3" in out


def test_bad_k_is_an_error_and_the_loop_continues():
    code, out, engine = piped("/k 0\n/k many\nquestion\n")
    assert code == 2
    assert "line 1: error: /k must be at least 1" in out and "-k" not in out
    assert "line 2: error: /k needs a whole number" in out
    assert engine.k == 5
    assert engine.asked == [("question", 5, "hybrid")]


def test_mode_command():
    code, out, engine = piped("/mode bm25\n/mode bogus\nquestion\n")
    assert engine.mode == "bm25"
    assert "error: unknown mode 'bogus'" in out
    assert engine.asked == [("question", 5, "bm25")]


def test_bare_k_and_mode_show_the_current_values():
    _, out, _ = piped("/k\n/mode\n")
    assert "k = 5" in out and "mode = hybrid" in out


def test_help_lists_commands():
    _, out, _ = piped("/help\n")
    for cmd in ("/help", "/sources", "/k N", "/mode M", "/quit"):
        assert cmd in out


def test_unknown_command():
    _, out, engine = piped("/frobnicate\nq\n")
    assert "error: unknown command /frobnicate; type /help" in out
    assert len(engine.asked) == 1


def test_sources_prints_full_sources_of_last_answer():
    _, out, _ = piped("question\n/sources\n")
    answer_part, sources_part = out.split("-" * 40)[:2]
    assert LONG_TAIL not in answer_part  # the answer shortens passages
    assert LONG_TAIL in sources_part
    assert "[1] Doc [x] — 2024-01-01 — doc" in sources_part


def test_sources_before_any_answer_is_an_error():
    code, out, _ = piped("/sources\n")
    assert code == 2 and "line 1: error: no answer yet" in out


def test_quit_stops_reading():
    code, _, engine = piped("one\n/quit\ntwo\n")
    assert code == 0 and [q for q, _, _ in engine.asked] == ["one"]
    _, _, engine = piped("one\n/exit\ntwo\n")
    assert [q for q, _, _ in engine.asked] == ["one"]


def test_engine_error_is_one_line_and_loop_continues():
    code, out, engine = piped("boom\nfine\n")
    assert code == 2
    assert "line 1: error: the question is not allowed; ask something else" in out
    assert engine.asked[0][0] == "fine"


def test_empty_input_exits_zero():
    code, out, engine = piped("")
    assert code == 0 and out == "" and engine.asked == []


def test_plain_errors_go_to_stderr_and_answers_to_stdout():
    code, out, err, engine = piped_apart("/k 0\n/foo\nboom\nfine\n/sources\n")
    assert code == 2
    assert err.splitlines() == [
        "line 1: error: /k must be at least 1 (got 0)",
        "line 2: error: unknown command /foo; type /help for the list",
        "line 3: error: the question is not allowed; ask something else",
    ]
    assert "error" not in out
    assert out.startswith("Q: fine") and out.count("-" * 40) == 1  # the answer, its sources


# --- piped, JSON -----------------------------------------------------------------------


def test_json_one_object_per_line():
    _, out, _ = piped("first\n\nsecond\n", json_mode=True)
    objs = json_lines(out)
    assert [o["question"] for o in objs] == ["first", "second"]
    assert objs[0]["answer"] == "42 kWh"
    assert objs[0]["citations"][0]["title"] == "Doc [x]"


def test_json_commands_have_one_shape_whether_they_work_or_fail():
    _, out, err, _ = piped_apart("/k 3\n/k 0\n/mode dense\n/mode x\n/Frob 1\n", json_mode=True)
    assert err == ""
    assert [(o["command"], "error" in o) for o in json_lines(out)] == [
        ("k", False),
        ("k", True),
        ("mode", False),
        ("mode", True),
        ("frob", True),
    ]


def test_json_errors_and_commands():
    _, out, engine = piped("boom\n/k 2\n/k 0\n/mode bogus\n/help\nq\n/sources\n", json_mode=True)
    objs = json_lines(out)
    assert objs[0] == {
        "question": "boom",
        "error": "the question is not allowed; ask something else",
        "line": 1,
    }
    assert objs[1] == {"command": "k", "k": 2}
    assert objs[2]["command"] == "k" and "at least 1" in objs[2]["error"]
    assert objs[3]["command"] == "mode" and "unknown mode 'bogus'" in objs[3]["error"]
    assert "/sources" in objs[4]["commands"]
    assert objs[5]["question"] == "q"
    assert objs[6]["command"] == "sources" and LONG_TAIL in objs[6]["passages"][0]["text"]
    assert engine.k == 2


def test_json_lines_never_echo_undecodable_input():
    """Bytes that are not UTF-8, read from a pipe, arrive as surrogates: echoed, they made
    the line invalid UTF-8. The line is shown as ask shows a question, without them."""

    class Refusing(FakeEngine):
        def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer:
            raise InputError("the question is not allowed; ask something else")

    lines = "\udcff\udcfe\nwind \udcff farm\n/\udcffk 2\n/\udcff\n"
    _, out, _, engine = piped_apart(lines, json_mode=True, engine=Refusing())
    out.encode("utf-8")  # strict: no surrogate left
    error = "the question is not allowed; ask something else"
    assert json_lines(out)[:3] == [
        {"question": "", "error": error, "line": 1},
        {"question": "wind farm", "error": error, "line": 2},
        {"command": "k", "k": 2},
    ]
    assert "unknown command /;" in json_lines(out)[3]["error"]


# --- interactive -----------------------------------------------------------------------


def run_interactive(keys: str, tmp_path: Path, *, history: Path | None = None, **kw):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    engine = FakeEngine()
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = chat_loop.run_chat(
            engine,
            console=console,
            history_path=history or tmp_path / "hist" / "chat_history",
            prompt_input=pipe,
            prompt_output=DummyOutput(),
            **kw,
        )
    return code, buf.getvalue(), engine


def test_interactive_answers_then_ctrl_d(tmp_path):
    code, out, engine = run_interactive("hello\r/k 2\rsecond\r\x04", tmp_path)
    assert code == 0
    assert engine.asked == [("hello", 5, "hybrid"), ("second", 2, "hybrid")]
    assert "\x1b[1;7m42 kWh\x1b[0m" in out  # rendered like `ask`
    assert "Supporting passages" in out
    history = (tmp_path / "hist" / "chat_history").read_text()
    assert "+hello" in history and "+second" in history


def test_interactive_ctrl_c_cancels_line(tmp_path):
    code, _, engine = run_interactive("typed\x03hello\r/quit\r", tmp_path)
    assert code == 0
    assert [q for q, _, _ in engine.asked] == ["hello"]


def test_interactive_error_shown_and_continues(tmp_path):
    code, out, engine = run_interactive("boom\r/mode bogus\rok\r\x04", tmp_path)
    assert code == 0
    assert "error: the question is not allowed" in out
    assert "error: unknown mode 'bogus'" in out
    assert [q for q, _, _ in engine.asked] == ["ok"]


def test_unwritable_history_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, out, engine = run_interactive("hello\r\x04", tmp_path, history=blocker / "h")
    assert code == 0 and engine.asked
    assert "history is not saved" in out


def test_make_history(tmp_path):
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    hist, warning = chat_loop.make_history(tmp_path / "a" / "b" / "h")
    assert isinstance(hist, FileHistory) and warning is None
    assert (tmp_path / "a" / "b" / "h").exists()
    assert (tmp_path / "a" / "b" / "h").stat().st_mode & 0o777 == 0o600  # questions are private
    (tmp_path / "file").write_text("not a folder")
    hist, warning = chat_loop.make_history(tmp_path / "file" / "h")
    assert isinstance(hist, InMemoryHistory) and "not saved" in warning


def test_default_history_path(monkeypatch, tmp_path):
    engine = FakeEngine()
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path))
    assert chat_loop.default_history_path(engine) == tmp_path / "chat_history"
    engine.cache_dir = tmp_path / "c"  # type: ignore[attr-defined]
    assert chat_loop.default_history_path(engine) == tmp_path / "c" / "chat_history"


def test_tty_detection_picks_the_piped_loop():
    class NotATty(io.StringIO):
        def isatty(self):
            return False

    out = io.StringIO()
    engine = FakeEngine()
    chat_loop.run_chat(engine, input_stream=NotATty("q\n"), output=out)
    assert "Q: q" in out.getvalue()


def test_importing_chat_does_not_import_prompt_toolkit():
    code = "import sys, evqa.cli.chat_loop; print('prompt_toolkit' in sys.modules)"
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert res.stdout.strip() == "False"


@pytest.mark.parametrize("line", ["/QUIT", "  /quit  "])
def test_quit_variants(line):
    _, _, engine = piped(f"{line}\nnever\n")
    assert engine.asked == []


# --- invisible characters, line numbers and the exit code (piped) ------------------------


def test_command_after_a_bom_or_zero_width_space_is_a_command():
    """A Notepad file's BOM on its first line, or a zero-width space, hid the slash: the
    command was asked as a question and the setting silently not applied."""
    code, out, engine = piped("\ufeff/k 2\nquestion\n\u200b/mode bm25\n \u200b /help\n")
    assert code == 0
    assert engine.k == 2 and engine.mode == "bm25"
    assert engine.asked == [("question", 2, "hybrid")]
    assert "/sources" in out  # /help ran


def test_piped_errors_name_their_input_line_and_exit_2():
    code, out, err, engine = piped_apart("fine\n\nboom\n/k 0\nfine again\n/quit\nboom\n")
    assert code == 2  # as `evqa ask` exits for a question it refuses; the rest still ran
    assert err.splitlines() == [
        "line 3: error: the question is not allowed; ask something else",
        "line 4: error: /k must be at least 1 (got 0)",
    ]
    assert [q for q, _, _ in engine.asked] == ["fine", "fine again"]


def test_piped_json_errors_carry_the_line_number():
    code, out, err, _ = piped_apart("ok\n/k 0\n\nboom\n", json_mode=True)
    assert code == 2 and err == ""
    objs = json_lines(out)
    assert "line" not in objs[0]  # an answer has no line field
    assert objs[1] == {"command": "k", "error": "/k must be at least 1 (got 0)", "line": 2}
    assert objs[2]["question"] == "boom" and objs[2]["line"] == 4


def test_piped_chat_without_failures_exits_0():
    code, _, _ = piped("/k 3\nquestion\n/sources\n")
    assert code == 0


# --- interactive: a pasted block, stdout redirected ---------------------------------------


def test_interactive_paste_asks_each_line(tmp_path):
    """Pasting several lines (bracketed paste) asked one merged question."""
    paste = "\x1b[200~first question\n\n/k 2\nsecond question\n\x1b[201~"
    code, out, engine = run_interactive(paste + "\r\x04", tmp_path)
    assert code == 0
    assert engine.asked == [("first question", 5, "hybrid"), ("second question", 2, "hybrid")]
    assert "k = 2" in out


def test_paste_ending_in_quit_ends_the_chat(tmp_path):
    code, _, engine = run_interactive("\x1b[200~one\n/quit\ntwo\x1b[201~\r\x04", tmp_path)
    assert code == 0 and [q for q, _, _ in engine.asked] == ["one"]


class FakeTty(io.StringIO):
    def isatty(self):
        return True


def test_terminal_in_but_no_terminal_out_or_err_reads_lines(tmp_path):
    """stdin a terminal, stdout and stderr not (`evqa chat > out 2> err`): nowhere to draw a
    prompt, so lines are read as from a pipe."""
    out, err = io.StringIO(), io.StringIO()
    engine = FakeEngine()
    code = chat_loop.run_chat(
        engine, input_stream=FakeTty("q\n/k 0\n"), output=out, error_output=err
    )
    assert code == 2 and [q for q, _, _ in engine.asked] == ["q"]
    assert out.getvalue().startswith("Q: q") and "\x1b[" not in out.getvalue()
    assert err.getvalue() == "line 2: error: /k must be at least 1 (got 0)\n"


def _read_until(fd: int, marker: bytes, seen: bytearray, timeout: float = 15) -> bool:
    import os
    import select
    import time

    end = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen.extend(os.read(fd, 4096))
            except OSError:  # the child closed the terminal
                break
    return marker in seen


def _read_until_after(fd: int, marker: bytes, seen: bytearray, start: int) -> bool:
    """Read until ``marker`` shows in ``seen`` after byte ``start``."""
    import os
    import select
    import time

    end = time.monotonic() + 15
    while marker not in seen[start:] and time.monotonic() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen.extend(os.read(fd, 4096))
            except OSError:
                break
    return marker in seen[start:]


def _end_with_ctrl_d(proc, fd: int, seen: bytearray, timeout: float = 60) -> int | None:
    """Send Ctrl-D until the chat exits, reading the terminal meanwhile (a child blocked on
    a full terminal never exits; on a loaded machine a Ctrl-D sent while the prompt is
    still being set up can be lost, and a second one on an empty prompt only ends it)."""
    import os
    import select
    import time

    end = time.monotonic() + timeout
    next_send = 0.0
    while proc.poll() is None and time.monotonic() < end:
        if time.monotonic() >= next_send:
            os.write(fd, b"\x04")
            next_send = time.monotonic() + 3
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen.extend(os.read(fd, 4096))
            except OSError:  # the child closed the terminal: it is exiting
                return proc.wait(timeout=max(1.0, end - time.monotonic()))
    return proc.poll()


def test_redirected_stdout_draws_the_prompt_on_stderr(tmp_path):
    """`evqa chat > session.txt` in a terminal: the prompt wrote to the file, so the user
    typed blind and the file filled with prompt redraws."""
    import os
    import pty

    tests = Path(__file__).resolve().parent
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from test_cli_chat_loop import FakeEngine; from evqa.cli import chat_loop;"
        "sys.exit(chat_loop.run_chat(FakeEngine(), history_path=Path(sys.argv[2])))"
    )
    master, slave = pty.openpty()
    session = tmp_path / "session.txt"
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    with session.open("w") as file:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(tests), str(tmp_path / "hist")],
            stdin=slave,
            stdout=file,
            stderr=slave,
            env=env,
            cwd=tests.parent,
        )
    os.close(slave)
    seen = bytearray()
    try:
        assert _read_until(master, b"evqa>", seen), bytes(seen)
        os.write(master, b"hello\r")
        prompted = len(seen)  # Ctrl-D once the next prompt is up, not typed ahead of it
        assert _read_until(master, b"hello", seen)
        assert _read_until_after(master, b"evqa>", seen, prompted), bytes(seen)
        assert _end_with_ctrl_d(proc, master, seen) == 0
    finally:
        proc.kill()
        os.close(master)
    text = session.read_text()
    assert text.startswith("Q: hello") and "«42 kWh»" in text  # the plain answer only
    assert "evqa>" not in text and "\x1b" not in text and "\r" not in text
    assert b"Ask a question" in seen  # the greeting on the terminal
