"""``evqa chat``: many questions against one loaded engine (the model and index load once).

Interactive (stdin is a terminal): a prompt-toolkit prompt with line editing and a history
file; answers are rendered like ``evqa ask``. Piped: one question per line, answered in turn
as plain text (or, with ``json_mode``, one JSON object per line), flushed after each.

Commands, in both modes: /help, /sources, /k N, /mode hybrid|bm25|dense, /quit, /exit;
a line is a command when it starts with a slash once normalised as a question is (a BOM
or zero-width space before it does not count). A pasted block is taken line by line.
Errors go to stderr in plain mode; piped, each names its input line (``line 3: error:
...``, a ``"line"`` field in JSON) and any refused line makes the exit code 2, as in a
script; an interactive session shows each error as it comes and ends 0. A terminal
on stdin with stdout redirected gets the prompt on stderr and plain answers on stdout.
In JSON mode everything goes to stdout: a command prints one object, ``{"command": "k",
"k": 3}``, a failed one ``{"command": "k", "error": ...}`` (the command's name without
the slash, either way), and a failed question ``{"question": ..., "error": ...}``.
prompt_toolkit is imported only when the interactive loop starts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from evqa import config
from evqa.cli import render
from evqa.errors import EvqaError, InputError
from evqa.question_text import normalize_question
from evqa.types import Answer

PROMPT = "evqa> "
EXIT_REFUSED = 2  # a piped chat that had a question or command refused, as `evqa ask` exits
HISTORY_FILE = "chat_history"
COMMANDS: dict[str, str] = {
    "/help": "list the commands",
    "/sources": "show the full sources of the last answer (quotes and passages)",
    "/k N": "retrieve N passages per question",
    "/mode M": f"retrieval mode: {' | '.join(config.MODES)}",
    "/quit": "leave (also /exit or Ctrl-D)",
}


class Asker(Protocol):
    k: int
    mode: str

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer: ...


# --- output: the three ways a chat can talk back ----------------------------------------


class Output(Protocol):
    def answer(self, answer: Answer) -> None: ...
    def sources(self, answer: Answer) -> None: ...
    def info(self, command: str, text: str, data: dict[str, Any]) -> None: ...
    def error(self, line: str, message: str, *, command: bool, lineno: int | None = None) -> None:
        """``line`` is the failed question, or the command's name (``k``) when ``command``;
        ``lineno`` the input line it came from (piped chats)."""


@dataclass
class RichOutput:
    """A terminal: the same rendering as ``evqa ask``."""

    console: Console

    def answer(self, answer: Answer) -> None:
        render.print_answer(self.console, answer)

    def sources(self, answer: Answer) -> None:
        render.print_full_sources(self.console, answer)

    def info(self, command: str, text: str, data: dict[str, Any]) -> None:
        self.console.print(Text(text))

    def error(self, line: str, message: str, *, command: bool, lineno: int | None = None) -> None:
        self.console.print(Text(f"error: {message}", style="red"))


@dataclass
class PlainOutput:
    """A pipe: plain text, a rule between answers, flushed after each; errors go to
    ``errors`` (stderr)."""

    stream: TextIO
    errors: TextIO
    _started: bool = False

    def _write(self, text: str) -> None:
        if self._started:
            self.stream.write("\n" + "-" * 40 + "\n\n")
        self._started = True
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self.stream.flush()

    def answer(self, answer: Answer) -> None:
        self._write(render.answer_plain(answer))

    def sources(self, answer: Answer) -> None:
        self._write(render.full_sources_plain(answer))

    def info(self, command: str, text: str, data: dict[str, Any]) -> None:
        self._write(text)

    def error(self, line: str, message: str, *, command: bool, lineno: int | None = None) -> None:
        where = "" if lineno is None else f"line {lineno}: "
        self.errors.write(f"{where}error: {message}\n")
        self.errors.flush()


@dataclass
class JsonOutput:
    """JSON lines: one object per answer, command or error."""

    stream: TextIO

    def _write(self, obj: dict[str, Any]) -> None:
        self.stream.write(render.to_json(obj) + "\n")
        self.stream.flush()

    def answer(self, answer: Answer) -> None:
        self._write(answer.to_dict())

    def sources(self, answer: Answer) -> None:
        d = answer.to_dict()
        self._write({"command": "sources", "citations": d["citations"], "passages": d["passages"]})

    def info(self, command: str, text: str, data: dict[str, Any]) -> None:
        self._write({"command": command, **data})

    def error(self, line: str, message: str, *, command: bool, lineno: int | None = None) -> None:
        obj: dict[str, Any] = {"command" if command else "question": line, "error": message}
        if lineno is not None:
            obj["line"] = lineno
        self._write(obj)


# --- the session: questions and commands ------------------------------------------------


@dataclass
class Session:
    engine: Asker
    out: Output
    last: Answer | None = None
    lineno: int | None = None  # the input line being handled (piped chats), for errors
    failures: int = 0  # questions and commands refused

    def handle(self, line: str) -> bool:
        """Answer a question or run a command. Returns False when the chat should end."""
        line = line.strip()
        if not line:
            return True
        # a BOM or zero-width space before the slash is still a command
        if normalize_question(line).startswith("/"):
            return self.command(line)
        try:
            self.last = self.engine.ask(line)
        except EvqaError as e:  # the question shown as ask shows it: normalised, printable
            self.error(normalize_question(line), str(e), command=False)
            return True
        self.out.answer(self.last)
        return True

    def error(self, line: str, message: str, *, command: bool) -> None:
        self.failures += 1
        self.out.error(line, message, command=command, lineno=self.lineno)

    def command(self, line: str) -> bool:
        # as a question is: undecodable bytes read from a pipe are dropped, not echoed
        name, _, arg = normalize_question(line).partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("/quit", "/exit", "/q"):
            return False
        handler = self._handlers().get(name)
        try:
            if handler is None:
                raise InputError(f"unknown command {name}; type /help for the list")
            handler(arg)
        except EvqaError as e:
            self.error(name.removeprefix("/"), str(e), command=True)
        return True

    def _handlers(self) -> dict[str, Callable[[str], None]]:
        return {
            "/help": self.help,
            "/sources": self.sources,
            "/k": self.set_k,
            "/mode": self.set_mode,
        }

    def help(self, arg: str) -> None:
        width = max(len(c) for c in COMMANDS)
        lines = [f"{c:<{width}}  {d}" for c, d in COMMANDS.items()]
        text = "Ask a question, or type a command:\n" + "\n".join(lines)
        self.out.info("help", text, {"commands": dict(COMMANDS)})

    def sources(self, arg: str) -> None:
        if self.last is None:
            raise InputError("no answer yet; ask a question first, then type /sources")
        self.out.sources(self.last)

    def set_k(self, arg: str) -> None:
        if arg:
            try:
                k = int(arg)
            except ValueError:
                raise InputError(f"/k needs a whole number, e.g. /k 5 (got {arg!r})") from None
            self.engine.k = config.check_k(k, "/k")
        self.out.info("k", f"k = {self.engine.k}", {"k": self.engine.k})

    def set_mode(self, arg: str) -> None:
        if arg:
            self.engine.mode = config.check_mode(arg.lower())
        self.out.info("mode", f"mode = {self.engine.mode}", {"mode": self.engine.mode})


# --- the loops ---------------------------------------------------------------------------


def run_chat(
    engine: Asker,
    *,
    json_mode: bool = False,
    input_stream: TextIO | None = None,
    output: TextIO | None = None,
    console: Console | None = None,
    history_path: Path | None = None,
    interactive: bool | None = None,
    prompt_input: Any = None,
    prompt_output: Any = None,
    error_output: TextIO | None = None,
) -> int:
    """Run a chat until /quit or end of input; returns the exit code: 0, or
    ``EXIT_REFUSED`` when a piped chat had a question or command refused.

    ``interactive`` defaults to whether ``input_stream`` (stdin) is a terminal.
    ``output`` is the stream for plain/JSON output (stdout); ``console`` the rich console
    for interactive answers (a new one on stdout). ``history_path`` defaults to
    ``cache_dir/chat_history``. ``prompt_input``/``prompt_output`` are prompt_toolkit
    Input/Output objects (tests and embedding); giving ``prompt_input`` means interactive.
    ``error_output`` takes the errors of a plain piped chat (stderr). A terminal on stdin
    whose stdout is not one (``evqa chat > session.txt``) gets the prompt on stderr and
    plain answers on stdout, or, when stderr is no terminal either, the piped loop.
    """
    stream = sys.stdin if input_stream is None else input_stream
    if interactive is None:
        interactive = prompt_input is not None or _isatty(stream)
    out_stream = sys.stdout if output is None else output
    errors = sys.stderr if error_output is None else error_output
    redirected = interactive and prompt_output is None and not _isatty(out_stream)
    if redirected and not _isatty(errors):
        interactive = False
    plain: Output = JsonOutput(out_stream) if json_mode else PlainOutput(out_stream, errors)
    if not interactive:
        return piped_loop(Session(engine, plain), stream)
    path = history_path or default_history_path(engine)
    if redirected:  # the prompt and its redraws on the terminal, only answers in the file
        console = console or Console(file=errors, highlight=False, emoji=False)
        session = Session(engine, plain)
        return interactive_loop(session, console, path, prompt_input, _prompt_output(errors))
    console = console or render.make_console()
    out = JsonOutput(out_stream) if json_mode else RichOutput(console)
    return interactive_loop(Session(engine, out), console, path, prompt_input, prompt_output)


def _prompt_output(stream: TextIO) -> Any:
    from prompt_toolkit.output import create_output

    return create_output(stdout=stream)


def piped_loop(session: Session, stream: TextIO) -> int:
    for lineno, line in enumerate(stream, start=1):
        session.lineno = lineno
        if not session.handle(line):
            break
    return EXIT_REFUSED if session.failures else 0


def interactive_loop(
    session: Session, console: Console, history_path: Path, pt_input: Any, pt_output: Any
) -> int:
    from prompt_toolkit import PromptSession

    history, warning = make_history(history_path)
    if warning:
        console.print(Text(warning, style="yellow"))
    prompt = PromptSession(history=history, input=pt_input, output=pt_output)
    console.print(Text("Ask a question about the articles. /help for commands, Ctrl-D to quit."))
    while True:
        try:
            line = prompt.prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C: drop the current line
            continue
        except EOFError:  # Ctrl-D
            return 0
        try:
            if not handle_lines(session, console, line):
                return 0
        except KeyboardInterrupt:  # Ctrl-C while answering: drop this question (and paste)
            console.print(Text("cancelled", style="yellow"))
            if isinstance(session.out, RichOutput):
                console.print(Rule(style="dim"))


def handle_lines(session: Session, console: Console, text: str) -> bool:
    """Each non-empty line of ``text`` (several when pasted) in turn, as a piped chat
    takes them. Returns False when the chat should end."""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        if not session.handle(line):
            return False
        if isinstance(session.out, RichOutput):
            console.print(Rule(style="dim"))
    return True


def default_history_path(engine: Any) -> Path:
    cache = getattr(engine, "cache_dir", None) or config.resolve("cache_dir")
    return Path(cache) / HISTORY_FILE


def make_history(path: Path):
    """A FileHistory at ``path`` (parent folders created; the file readable by its owner
    only), or an in-memory history and a warning when the file cannot be written."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        return InMemoryHistory(), f"note: history is not saved ({path}: {reason})"
    with contextlib.suppress(OSError):  # questions may be private, as in a shell's history
        path.chmod(0o600)
    return FileHistory(str(path)), None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
