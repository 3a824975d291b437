"""evqa.cli.common: library errors become a one-line `error:` and an exit code, never a
traceback; the engine opens, or says what to run for a missing, stale or corrupt index.
"""

from __future__ import annotations

import json
import os

import pytest
from cli_helpers import assert_clean_error, live_generation, run

# --- a missing, stale or corrupt index ------------------------------------------------


def test_missing_index_says_what_to_run(tmp_path, fake_model, runner):
    r = run(runner, "ask", "wind", "--index", tmp_path / "nowhere")
    assert_clean_error(r, 3, "evqa index build")


def test_stale_corpus_says_what_to_run(built, runner):
    (built.parent / "corpus" / "delta.txt").write_text("A new article about tidal power plants.")
    r = run(runner, "ask", "wind", "--index", built)
    assert_clean_error(r, 3, "stale", "evqa index build", "--corpus")
    status = json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)
    assert status["stale"] is True


def test_a_gone_corpus_is_a_warning_and_the_index_still_answers(built, runner):
    import shutil

    shutil.rmtree(built.parent / "corpus")
    r = run(runner, "search", "wind farm", "--index", built, "-k", "1")
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if "no longer exists" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: the corpus ")


def test_touched_but_unchanged_corpus_is_not_stale(built, runner):
    for f in (built.parent / "corpus").iterdir():
        os.utime(f, (1, 1))
    assert run(runner, "ask", "wind", "--index", built).exit_code == 0


def test_index_built_with_another_model_is_stale(built, runner, monkeypatch, fake_model):
    from evqa import encoder

    other = encoder.ModelInfo("other", fake_model.path, "0" * 64, fake_model.dim)
    monkeypatch.setattr(encoder, "resolve_model", lambda path=None, cache_dir=None: other)
    r = run(runner, "ask", "wind", "--index", built, "--model", built.parent)
    assert_clean_error(r, 3, "model differs")


def test_evqa_model_env_is_checked_against_the_index(built, runner, monkeypatch, fake_model):
    from evqa import encoder

    other = encoder.ModelInfo("other", fake_model.path, "0" * 64, fake_model.dim)
    monkeypatch.setattr(encoder, "resolve_model", lambda path=None, cache_dir=None: other)
    folder = built.parent / "other-model"  # what a model folder holds, for the checks
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"w")
    monkeypatch.setenv("EVQA_MODEL", str(folder))
    assert_clean_error(run(runner, "ask", "wind", "--index", built), 3, "model differs")


def _edit_json(path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "victim, damage",
    [
        ("manifest.json", lambda p: p.write_text("{")),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.pop("model"))),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.update(settings="x"))),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.update(corpus="x"))),
        ("dense.faiss", lambda p: p.write_bytes(p.read_bytes()[:40])),
        ("dense.faiss", lambda p: p.write_bytes(os.urandom(p.stat().st_size))),
        ("embeddings.npy", lambda p: p.write_bytes(p.read_bytes()[:100])),
        ("docs.sqlite", lambda p: p.write_bytes(p.read_bytes()[:-4096])),
        ("docs.sqlite", lambda p: p.write_bytes(os.urandom(p.stat().st_size))),
        ("docs.sqlite", lambda p: p.unlink()),
    ],
)
def test_corrupt_index_files(built, runner, victim, damage):
    damage(live_generation(built) / victim)
    r = run(runner, "ask", "wind", "--index", built)
    assert_clean_error(r, 3, "evqa index build")


def test_bm25_arrays_truncated(built, runner):
    arrays = sorted((live_generation(built) / "bm25").glob("*.npy"))
    arrays[0].write_bytes(arrays[0].read_bytes()[:20])
    assert_clean_error(run(runner, "search", "wind", "--index", built), 3)


# --- closed and broken output streams -------------------------------------------------


def _evqa(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "evqa", *args]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["search", "crimson"], None),
        (["ask", "crimson"], None),
        (["ask", "crimson", "--json"], None),
        (["chat"], b"crimson\n"),
    ],
)
def test_a_closed_stdout_is_a_clean_error(built, args, stdin):
    import subprocess

    r = subprocess.run(
        ["sh", "-c", 'exec "$@" 1>&-', "sh", *_evqa(*args, "--index", str(built))],
        input=stdin,
        capture_output=True,
    )
    assert r.returncode == 1
    assert r.stderr.decode().startswith("error: standard output is closed")
    assert "Traceback" not in r.stderr.decode()


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(["search", "hydrogen", "--mode", "bm25"], None), (["chat", "--mode", "bm25"], b"/k\n")],
)
def test_a_reader_that_leaves_early_ends_us_quietly(built, args, stdin):
    import subprocess

    read, write = os.pipe()
    os.close(read)  # like `| head -0`: nobody reads
    try:
        r = subprocess.run(
            _evqa(*args, "--index", str(built)), input=stdin, stdout=write, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert r.returncode == 141
    assert r.stderr == b""


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_reader_that_leaves_mid_write_ends_us_with_141(tmp_path, fake_model, runner, unbuffered):
    """`evqa search ... | head -1` on an output far larger than the pipe's buffer: the
    reader leaves while evqa is still writing. Under PYTHONUNBUFFERED a write that SIGPIPE
    cut short used to drop the rest silently and end 0."""
    import subprocess

    from cli_helpers import build_index
    from conftest import write_corpus

    words = "fab wafer yield plant chip node memory logic grid subsidy line power".split()
    articles = {
        f"a{i:03d}": f"Fab story {i}\n\n"
        + " ".join(f"{words[(i + j) % len(words)]} {j}." for j in range(400))
        for i in range(60)
    }
    corpus = write_corpus(tmp_path / "big", articles)
    index = tmp_path / "big-idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    args = ["search", "fab", "--mode", "bm25", "-k", "1000", "--json", "--index", str(index)]
    p = subprocess.Popen(_evqa(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout.readline() == b"{\n"  # evqa is writing: the output is well over 64 KB
    p.stdout.close()  # like `| head -1`
    stderr = p.stderr.read()
    assert p.wait(timeout=60) == 141
    assert stderr == b""


# --- settings from the environment: errors name the variable ------------------------------


@pytest.mark.parametrize("cmd", [["ask", "wind"], ["index", "build"]])
def test_a_cache_dir_that_is_a_file_fails_fast(built, runner, monkeypatch, tmp_path, cmd):
    (tmp_path / "cachefile").write_text("")
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cachefile"))
    r = run(runner, *cmd, "--index", built)
    assert_clean_error(r, 2, f"EVQA_CACHE_DIR={tmp_path / 'cachefile'} is a file, not a folder")
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cachefile" / "sub"))
    r = run(runner, *cmd, "--index", built)
    assert_clean_error(r, 2, f"cannot be a folder: {tmp_path / 'cachefile'} is a file")


def test_a_missing_evqa_model_folder_names_the_variable(built, runner, monkeypatch, tmp_path):
    monkeypatch.setenv("EVQA_MODEL", "/nope")
    for cmd in (["ask", "wind"], ["index", "build"]):
        r = run(runner, *cmd, "--index", built)
        assert_clean_error(r, 4, "error: EVQA_MODEL=/nope: no model folder there; set EVQA_MODEL")
        assert "--model" not in r.stderr


def test_a_bad_abstain_threshold_names_its_variable(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", "-1")
    r = run(runner, "ask", "wind", "--index", built)
    assert_clean_error(
        r,
        2,
        "error: EVQA_ABSTAIN_THRESHOLD must be between 0 and 1 (got -1.0); fix or unset "
        "EVQA_ABSTAIN_THRESHOLD",
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"EVQA_FUSION": "foo"},
            "error: unknown fusion 'foo' in EVQA_FUSION; choose one of: minmax, rrf; fix or "
            "unset EVQA_FUSION",
        ),
        (
            {"EVQA_FUSION": "rrf", "EVQA_RRF_K": "-1"},
            "error: EVQA_RRF_K must be a whole number, at least 0 (got -1); fix or unset "
            "EVQA_RRF_K",
        ),
    ],
)
@pytest.mark.parametrize("cmd", ["search", "ask"])
def test_a_bad_fusion_setting_names_its_variable(built, runner, monkeypatch, env, message, cmd):
    """EVQA_FUSION=foo was taken for min-max fusion; EVQA_RRF_K=-1 divided by zero."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert_clean_error(run(runner, cmd, "solar boat", "--index", built), 2, message)


# --- Ctrl-C ---------------------------------------------------------------------------

# `evqa ask` / `evqa chat` interrupted while the reader still loads in its thread, inside
# onnxruntime (the engine loads it there while the query is searched)
INTERRUPTED_WHILE_LOADING = """
import sys, threading, time
from pathlib import Path

import evqa
from evqa.cli import ask, chat, main
from evqa.onnx_session import cpu_session

READER = Path(evqa.__file__).parent / "models" / "reader" / "model.onnx"
loading = threading.Event()


def load_reader():
    while True:
        loading.set()
        cpu_session(READER, "the reader model")


class Engine:
    def ask(self, question, **kwargs):
        threading.Thread(target=load_reader, daemon=True).start()
        loading.wait()
        time.sleep(0.2)
        raise KeyboardInterrupt


ask._checked_engine = lambda *args: Engine()
chat.open_engine = lambda *args, **kwargs: Engine()
sys.argv = ["evqa", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(("args", "stdin"), [(["ask", "Who?"], None), (["chat"], b"Who?\n")])
def test_ctrl_c_while_the_reader_loads_is_interrupted_and_130(args, stdin):
    """Finalising the interpreter around a thread inside onnxruntime aborted the process
    (`terminate called without an active exception`, 134)."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_LOADING, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    assert (r.returncode, r.stderr.decode()) == (130, "interrupted\n")


# `evqa index build` interrupted while it writes the new generation, with the fake model
INTERRUPTED_BUILD = """
import sys
from pathlib import Path

import pytest

sys.path.insert(0, sys.argv[1])
import conftest

conftest.fake_model.__wrapped__(pytest.MonkeyPatch(), Path(sys.argv[2]))
from evqa import indexdata
from evqa.cli import main


def save(data, folder, **kwargs):
    (folder / "docs.sqlite").write_text("half written")
    raise KeyboardInterrupt


indexdata.save = save
sys.argv = ["evqa", "index", "build", "--corpus", sys.argv[3], "--index", sys.argv[4]]
main()
"""


def test_an_interrupted_build_leaves_no_generation_nor_temporary_files(tmp_path, corpus):
    import subprocess
    import sys

    index = tmp_path / "idx"
    tests = os.path.dirname(__file__)
    r = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_BUILD, tests, tmp_path, corpus, index],
        capture_output=True,
        timeout=120,
    )
    assert (r.returncode, r.stderr.decode()) == (130, "interrupted\n")
    # no generation; what it had embedded is kept for the next build (evqa.checkpoint)
    assert sorted(p.name for p in index.iterdir()) == [".embedded", ".lock"]


# --- click's usage errors: one `error:` line, as every other error ---------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["ask", "q", "-k", "x"], "invalid value for '-k': 'x' is not a valid integer"),
        (
            ["search", "q", "--mode", "foo"],
            "invalid value for '--mode': 'foo' is not one of 'hybrid', 'bm25', 'dense'",
        ),
        (["chat", "--mode", "foo"], "invalid value for '--mode': 'foo' is not one of"),
        (
            ["index", "build", "--wait", "-1"],
            "invalid value for '--wait': must be a number of seconds, 0 or more (got -1.0)",
        ),
        (["index", "remove", "x", "--wait", "x"], "invalid value for '--wait': 'x' is not a"),
        (["index", "build", "--encoder", "gpu"], "invalid value for '--encoder': 'gpu' is not"),
        (["index", "status", "--index", ""], "invalid value for '--index': is empty; give a"),
        (["serve", "--port", "x"], "invalid value for '--port': 'x' is not a valid integer"),
        (["eval", "--gold", "g.jsonl", "--mode", "x"], "invalid value for '--mode': 'x' is not"),
        (["ask"], "missing argument 'QUESTION'; see 'evqa ask --help'"),
        (["eval"], "missing option '--gold'; see 'evqa eval --help'"),
        (["ask", "q", "--jsn"], "no such option '--jsn' (did you mean one of: '--json', "),
        (["ask", "q", "r"], "got unexpected extra argument (r); see 'evqa ask --help'"),
        (["ask", "q", "-k"], "option '-k' requires an argument"),
        (["index", "bogus"], "no such command 'bogus'; see 'evqa index --help'"),
        (["--bogus"], "no such option '--bogus'; see 'evqa --help'"),
    ],
)
def test_a_usage_error_is_one_error_line_and_2(runner, args, line):
    """A bad option value was click's `Usage: ...`, `Try ...` and `Error: Invalid value ...`
    lines, while a value evqa checks itself (`-k 0`) was one `error: ...` line."""
    from evqa.cli import cli

    r = runner.invoke(cli, args, prog_name="evqa")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"error: {line}") and r.stderr.count("\n") == 1, r.stderr


def test_a_group_without_its_command_still_shows_its_help(runner):
    from evqa.cli import cli

    r = runner.invoke(cli, ["index"], prog_name="evqa")
    assert "Usage: evqa index [OPTIONS] COMMAND" in r.output and "Commands:" in r.output


def test_a_usage_error_is_still_a_click_usage_error_for_programs_that_catch_it():
    import click

    from evqa.cli import cli

    with pytest.raises(click.UsageError, match="invalid value for '-k'"):
        cli.main(["ask", "q", "-k", "x"], standalone_mode=False)


# --- SIGTERM while a command writes an index (the commands' own tests kill a real build) ---


def test_sigterm_in_terminated_cleanly_raises_terminated_once_and_restores_the_default():
    import signal

    from evqa.cli.common import Terminated, terminated_cleanly

    cleaned = []
    with pytest.raises(Terminated), terminated_cleanly():
        # else the SIGTERM would end pytest itself
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            pytest.fail("SIGTERM did not raise")
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # a second one must not cut the cleanup
            cleaned.append(True)
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_terminated_cleanly_leaves_a_programs_own_sigterm_handler_alone():
    import signal

    from evqa.cli.common import terminated_cleanly

    def own(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, own)
    try:
        with terminated_cleanly():
            assert signal.getsignal(signal.SIGTERM) is own
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_terminated_is_said_and_143(runner):
    import click

    from evqa.cli.common import Terminated, handle_errors

    @click.command()
    @handle_errors
    def killed():
        raise Terminated

    r = runner.invoke(killed)
    assert (r.exit_code, r.stderr, r.stdout) == (143, "terminated\n", "")


def test_an_index_given_the_articles_suggests_a_build_that_works(
    tmp_path, corpus, fake_model, runner, monkeypatch
):
    """`--index` given the folder of articles: building into it is refused (not empty, not
    an index), so the command suggested builds beside it."""
    monkeypatch.chdir(tmp_path)
    r = run(runner, "ask", "wind turbines", "--index", "corpus")
    assert_clean_error(r, 3, "no index at corpus: it is a folder of articles")
    suggested = r.stderr.split("build one with: evqa ")[1].split(",")[0].split()
    assert suggested == ["index", "build", "--corpus", "corpus", "--index", "corpus.idx"]
    assert run(runner, *suggested).exit_code == 0
    assert run(runner, "ask", "wind turbines", "--index", "corpus.idx").exit_code == 0
