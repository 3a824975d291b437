"""Every benchmark and training script in eval/ answers --help: its imports still resolve
after the package's modules move, it describes itself, and it shows how it is run (the house
rule: "--help with examples"): an "examples:" section whose commands use only flags that the
script's --help lists."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from eval_scripts import EVAL

SCRIPTS = sorted(p.name for p in EVAL.glob("*.py") if not p.name.startswith("_"))  # _: helpers

FLAG = re.compile(r"(?<![\w-])--[A-Za-z0-9][\w-]*")


@functools.cache
def help_text(script: str) -> str:
    r = subprocess.run(
        [sys.executable, str(EVAL / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def listed_flags(help_out: str) -> set[str]:
    """The long options argparse lists in HELP_OUT (``  -h, --help``, ``  --out OUT  ...``):
    only an option's own invocation, not the flags its help text mentions."""
    flags = set()
    for line in help_out.splitlines():
        if line.startswith("  -"):
            invocation = line[2:].split("  ")[0]
            flags.update(FLAG.findall(invocation))
    return flags


def examples_section(help_out: str) -> str | None:
    """What follows the ``examples:`` line of HELP_OUT, or None without one."""
    head, sep, tail = help_out.partition("\nexamples:\n")
    return tail if sep else None


def example_commands(section: str) -> list[str]:
    """The commands of an examples section: backslash continuations joined, comments (`` #``
    to the end of the line) and blank or comment-only lines dropped."""
    commands, pending = [], ""
    for line in section.splitlines():
        line = line.strip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = pending + line
        pending = ""
        command = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if command:
            commands.append(command)
    if pending.strip():
        commands.append(pending.strip())
    return commands


def script_invocations(commands: list[str], script: str) -> list[str]:
    """The parts of COMMANDS (split at ``&&``, ``||``, ``;`` and ``|``) that run SCRIPT."""
    parts = (p.strip() for c in commands for p in re.split(r"&&|\|\||;|\|", c))
    return [p for p in parts if re.search(rf"(^|[\s/])eval/{re.escape(script)}(\s|$)", p)]


def test_there_are_scripts():
    assert "bench.py" in SCRIPTS and "train_reader.py" in SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_answers_help(script):
    assert "usage:" in help_text(script)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help_has_examples(script):
    out = help_text(script)
    section = examples_section(out)
    assert section is not None, f"{script} --help has no 'examples:' section:\n{out}"
    commands = example_commands(section)
    runs = script_invocations(commands, script)
    assert runs, f"no example in {script} --help runs eval/{script}:\n{section}"
    for command in commands:
        # a backslash continuation swallowed by the docstring leaves "&&        python"
        assert "  " not in command, f"run-together example in {script} --help: {command!r}"
    listed = listed_flags(out)
    for run in runs:
        unknown = sorted(set(FLAG.findall(run)) - listed)
        assert not unknown, f"{script} --help lists no {unknown}, used in: {run}"


SAMPLE_HELP = """\
usage: x.py [-h] --out OUT [--fold K/N] [--cross-fit DIR READER]

options:
  -h, --help            show this help message and exit
  --out OUT             writes here; see --elsewhere
  --fold K/N            read by a reader trained with
                        --leave-out K/N
  --cross-fit DIR READER
                        repeatable

examples:
  python eval/x.py --out /tmp/a            # comment with --not-a-flag
  python eval/prep.py --prep 1 && \\
      python eval/x.py --out /tmp/b \\
      --fold 0/2
  evqa index build --corpus /tmp/a/corpus.jsonl
"""


def test_the_help_parsers_on_a_sample():
    assert listed_flags(SAMPLE_HELP) == {"--help", "--out", "--fold", "--cross-fit"}
    commands = example_commands(examples_section(SAMPLE_HELP))
    assert commands == [
        "python eval/x.py --out /tmp/a",
        "python eval/prep.py --prep 1 && python eval/x.py --out /tmp/b --fold 0/2",
        "evqa index build --corpus /tmp/a/corpus.jsonl",
    ]
    assert script_invocations(commands, "x.py") == [
        "python eval/x.py --out /tmp/a",
        "python eval/x.py --out /tmp/b --fold 0/2",
    ]
    assert examples_section("usage: x.py [-h]\n") is None


def test_the_shared_frame_splits_a_docstring_into_description_and_examples():
    import _script

    doc = "Do a thing.\n\nAt length.\n\nexamples:\n  python eval/x.py --n 3\n"
    text = _script.parser(doc).format_help()
    assert "At length." in text and text.rstrip().endswith("python eval/x.py --n 3")
    assert "examples:\n  python eval/x.py --n 3" in text  # laid out as written
    brief = _script.parser(doc, about="Do a thing.").format_help()
    assert "Do a thing." in brief and "At length." not in brief and "--n 3" in brief


def test_a_gold_set_is_named_by_its_file_or_for_gold_jsonl_its_folder():
    # eval/train-news/tNN/gold.jsonl: every file is gold.jsonl, so reports, example ids and
    # cache names take the folder's name, or the sets would fall together as "gold"
    import _script

    assert _script.set_name("eval/gold/fresh8.jsonl") == "fresh8"
    assert _script.set_name(Path("eval/train-news/t05/gold.jsonl")) == "t05"
    assert _script.set_name("/tmp/squad/gold-dev.jsonl") == "gold-dev"


def test_a_manifest_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    # fit_calibration, fit_news_scaling, reader_eval --write and export_reader --ship all
    # rewrite the shipped reader's manifest.json: a write that fails half-way leaves the old
    import json

    import _script

    path = tmp_path / "manifest.json"
    _script.write_manifest(path, {"a": [1]})
    assert path.read_text() == '{\n  "a": [\n    1\n  ]\n}\n'

    def half_written(self, text, **kw):
        with open(self, "w") as f:
            f.write(text[:3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_written)
    with pytest.raises(OSError):
        _script.write_manifest(path, {"a": [2]})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"a": [1]}
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
