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
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from evqa.cli.output import ProgressBars, err, notice
from evqa.errors import EvqaError

EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # what a shell reports for a command ended by SIGINT (Ctrl-C)


# set by evqa.cli.main: the process is evqa's own (not a test's, nor a program that calls
# the commands), so how it ends after a Ctrl-C is ours to choose
_own_process = False


def own_the_process() -> None:
    global _own_process
    _own_process = True


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into `error: ...` on stderr and the error's exit code. A closed
    stdout is an error; a reader that leaves the pipe early (`| head`) ends us quietly
    with 141, as SIGPIPE ends other commands; Ctrl-C is `interrupted` and 130."""

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
    except BrokenPipeError:
        _drop_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except OSError as e:  # disk full, permission denied... never a traceback
        err(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}".rstrip(": "))
        sys.exit(1)


def end_interrupted() -> NoReturn:
    """End evqa's own process after Ctrl-C, without finalising the interpreter: the thread
    that loads the reader while the engine searches may still be inside onnxruntime, and
    Ctrl-C ends the command now rather than once the load is done (the interpreter would
    wait for it: finalising around it aborts the process, `terminate called without an
    active exception`, exit 134). The command's `finally` blocks (a build's cleanup) have
    run by now; the atexit handlers run here (milvus-lite closes its files), and what was
    written is flushed. A second Ctrl-C ends the process at once."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    atexit._run_exitfuncs()
    _flush_output()
    os._exit(EXIT_INTERRUPTED)


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
