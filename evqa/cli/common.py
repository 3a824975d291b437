"""What every command shares: library errors become one-line messages and exit codes,
and the engine and the embedding model open as the flags and EVQA_* say."""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import click

from evqa.cli.output import ProgressBars, err, notice
from evqa.errors import EvqaError

EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # what a shell reports for a command ended by SIGINT (Ctrl-C)
EXIT_TERMINATED = 128 + 15  # what a shell reports for a command ended by SIGTERM (kill)


class Terminated(BaseException):
    """SIGTERM arrived while a command wrote an index (``terminated_cleanly``). Not an
    Exception, as KeyboardInterrupt is not: only the ``finally`` and ``except
    BaseException`` blocks that clean up after a Ctrl-C see it."""


# set by evqa.cli.main: the process is evqa's own (not a test's, nor a program that calls
# the commands), so how it ends after a Ctrl-C is ours to choose
_own_process = False


def own_the_process() -> None:
    global _own_process
    _own_process = True


class UsageLine(click.UsageError):
    """A click usage error (a bad option value, an unknown option, a missing argument)
    shown as evqa's other errors are: one ``error: ...`` line on stderr, exit 2, rather than
    click's usage, hint and ``Error: ...`` lines."""

    def show(self, file=None) -> None:
        err(f"error: {self.message}")


# `evqa index` alone: click prints the group's help (an error since click 8.2)
_HELP_FOR_NO_ARGS = tuple(filter(None, [getattr(click.exceptions, "NoArgsIsHelpError", None)]))


class Commands(click.Group):
    """The `evqa` group: every usage error click raises while it reads a command line, for
    any command under it (subgroups' commands too), becomes a UsageLine."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        with _usage_lines():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        with _usage_lines():  # the subcommands' own command lines are read in here
            return super().invoke(ctx)


@contextlib.contextmanager
def _usage_lines() -> Iterator[None]:
    try:
        yield
    except (UsageLine, *_HELP_FOR_NO_ARGS):
        raise
    except click.UsageError as e:
        raise UsageLine(usage_line(e), e.ctx) from None


def usage_line(e: click.UsageError) -> str:
    """click's message as one line in evqa's style: lower case, no full stop; an error that
    is not about a value (an unknown option or command, a missing argument) says where
    the usage is: `no such option '--jsn'; see 'evqa ask --help'`."""
    message = " ".join(e.format_message().split()).removesuffix(".")
    message = message.replace(". (Did you mean", " (did you mean")  # an unknown option
    message = message[:1].lower() + message[1:]
    about_a_value = isinstance(e, click.BadParameter) and not isinstance(e, click.MissingParameter)
    if about_a_value or e.ctx is None:
        return message
    return f"{message}; see '{e.ctx.command_path} --help'"


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into `error: ...` on stderr and the error's exit code. A closed
    stdout is an error; a reader that leaves the pipe early (`| head`) ends us quietly
    with 141, as SIGPIPE ends other commands; Ctrl-C is `interrupted` and 130, a SIGTERM
    that ``terminated_cleanly`` caught `terminated` and 143."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return _reported(fn, *args, **kwargs)
        finally:
            if _own_process:
                ctrl_c_ends_at_once()

    return wrapper


def _reported(fn: Callable, *args, **kwargs):
    try:
        _whole_writes()
        if sys.stdout is None:  # started with stdout closed (`1>&-`)
            raise EvqaError(
                "standard output is closed; send it somewhere, e.g. > out.txt or > /dev/null"
            )
        return fn(*args, **kwargs)
    except EvqaError as e:
        err(f"error: {e}")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:  # `finally` blocks (a build's cleanup) have run by now
        err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:  # as for Ctrl-C, the cleanup has run
        err("terminated")
        sys.exit(EXIT_TERMINATED)
    except BrokenPipeError:
        _drop_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except OSError as e:  # disk full, permission denied... never a traceback
        err(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}".rstrip(": "))
        sys.exit(1)


@contextlib.contextmanager
def terminated_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM (`kill PID`, `timeout`, a service manager stopping evqa)
    raises Terminated in the main thread, so that a build's cleanup runs as it does after
    Ctrl-C (the temporary generation removed, the live one untouched) instead of the
    process dying with a `.tmp-gen-*` folder left for the next build to remove. A second
    SIGTERM while that cleanup runs is ignored (SIGKILL still ends the process). The
    previous handler is restored when the block ends; a program that handles SIGTERM
    itself (any handler but the default), or a block outside the main thread, is left as
    it is."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    caught: list[int] = []

    def terminate(signum: int, frame: object) -> None:
        if not caught:  # once: a second SIGTERM must not cut the cleanup short
            caught.append(signum)
            raise Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def end_interrupted(code: int = EXIT_INTERRUPTED) -> NoReturn:
    """End evqa's own process after Ctrl-C (or a SIGTERM caught by ``terminated_cleanly``:
    ``code`` 143), without finalising the interpreter: the thread
    that loads the reader while the engine searches may still be inside onnxruntime, and
    Ctrl-C ends the command now rather than once the load is done (the interpreter would
    wait for it: finalising around it aborts the process, `terminate called without an
    active exception`, exit 134). The command's `finally` blocks (a build's cleanup) have
    run by now; the atexit handlers run here (milvus-lite closes its files), and what was
    written is flushed. A second Ctrl-C ends the process at once."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    atexit._run_exitfuncs()
    _flush_output()
    os._exit(code)


def ctrl_c_ends_at_once() -> None:
    """Once a command is done, a Ctrl-C ends the process at once (130, as it ends other
    programs) instead of raising KeyboardInterrupt inside the interpreter's shutdown
    (`Exception ignored in: <module 'threading'>` and a traceback); then what was written
    is flushed."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _flush_output()


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe, or no stream
            stream.flush()


def _whole_writes() -> None:
    """Put a buffer between sys.stdout and an unbuffered one (PYTHONUNBUFFERED, python -u).
    There, text goes straight to the file, and a short write is not retried: when the reader
    leaves mid-write (`| head`), SIGPIPE cuts the write short, the rest is dropped without a
    BrokenPipeError and the command ended 0. A BufferedWriter writes all or raises; line
    buffering, and the flush after each click.echo and rich print, keep output prompt."""
    out = sys.stdout
    if out is None or not isinstance(getattr(out, "buffer", None), io.RawIOBase):
        return
    try:
        raw = io.FileIO(out.fileno(), "w", closefd=False)
    except (OSError, ValueError):
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=out.encoding, errors=out.errors, line_buffering=True
    )


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail again on
    the closed pipe (and print 'Exception ignored...')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests), or no stdout
        pass


def open_engine(
    index: Path | None,
    model: Path | None = None,
    k: int | None = None,
    mode: str | None = None,
):
    """Engine.open with the -k/--mode flags, which win over EVQA_K/EVQA_MODE."""
    from evqa.engine import Engine

    with ProgressBars() as progress:
        return Engine.open(
            index,
            model=model,
            notice=notice,
            progress=progress,
            k=k,
            mode=mode,
            warn=warning,
        )


def warning(message: str) -> None:
    """A warning about a result (stderr): it may mislead, but it is not an error."""
    err(f"warning: {message}")


def resolve_model(model: Path | None):
    """The embedding model at ``model``, else EVQA_MODEL, else the default one (as the
    library resolves it: evqa.build.resolve_model, with the configured cache folder)."""
    from evqa.build import resolve_model

    return resolve_model(model)
