"""evqa.onnx_session: onnxruntime's import holds a Ctrl-C back till it is done."""

from __future__ import annotations

import signal
import sys

import pytest

from evqa.onnx_session import import_holding_ctrl_c

# a module whose import is hit by Ctrl-C halfway, as onnxruntime's can be
HALFWAY = """
import os, signal
os.kill(os.getpid(), signal.SIGINT)
for _ in range(1000):  # the bytecode where a KeyboardInterrupt would come out
    pass
DONE = True
"""


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raising KeyboardInterrupt, as in evqa, for the test: a process started in the
    background (`nohup ... &`) inherits SIGINT ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_a_ctrl_c_during_the_import_comes_after_it(tmp_path, monkeypatch, ctrl_c_raises):
    (tmp_path / "evqa_halfway.py").write_text(HALFWAY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "evqa_halfway", raising=False)
    with pytest.raises(KeyboardInterrupt):
        import_holding_ctrl_c("evqa_halfway")
    assert sys.modules["evqa_halfway"].DONE  # imported whole
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.delitem(sys.modules, "evqa_halfway")


def test_an_import_without_ctrl_c_returns_the_module(tmp_path, monkeypatch, ctrl_c_raises):
    (tmp_path / "evqa_calm.py").write_text("DONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_holding_ctrl_c("evqa_calm").DONE
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.delitem(sys.modules, "evqa_calm")
