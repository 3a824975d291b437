"""The shipped reader model: its identity, and that it reads (onnxruntime, no torch)."""

import json
import shutil
import subprocess
import sys

import pytest

from evqa.errors import ModelError
from evqa.reader.session import MODEL_DIR, Reader, load_reader, read_manifest
from evqa.store import sha256_file

PASSAGE = (
    "Gotion said its Jinshi battery entered pilot production. The result? An impressive "
    "energy density of 350 Wh/kg, about 40% more than an average ternary lithium battery."
)


def test_the_model_is_the_one_its_manifest_describes():
    m = read_manifest(MODEL_DIR)
    assert sha256_file(MODEL_DIR / "model.onnx") == m["sha256"]
    assert sha256_file(MODEL_DIR / "tokenizer.json") == m["tokenizer_sha256"]
    assert (MODEL_DIR / "model.onnx").stat().st_size <= 30 * 1024 * 1024
    assert "CC BY-SA 4.0" in m["training"]["data"]
    assert set(m["training"]["validation_articles"]).isdisjoint(m["training"]["train_articles"])
    assert m["reader_alone"][m["quantisation"]]["f1"] >= 0.65


def test_it_answers_a_known_question():
    [read] = load_reader().read("What is the energy density of the Jinshi battery?", [PASSAGE])
    assert "350 Wh/kg" in read.spans[0].text
    assert PASSAGE[read.spans[0].start : read.spans[0].end] == read.spans[0].text
    assert read.spans[0].score > read.null  # it prefers the answer to "no answer"


def test_a_passage_without_the_answer_scores_no_answer_higher():
    other = "The trains emit only water vapour and run on hydrogen from Lower Saxony."
    [read] = load_reader().read("What is the energy density of the Jinshi battery?", [other])
    assert read.null > read.spans[0].score


def test_each_passage_gets_its_own_read_and_long_passages_are_windowed():
    long = ("Filler sentence about nothing. " * 120) + PASSAGE
    reads = load_reader().read("energy density of Jinshi battery", [PASSAGE, long, "x"])
    assert len(reads) == 3
    assert "350 Wh/kg" in reads[1].spans[0].text
    assert load_reader().read("q", []) == []


def test_a_damaged_model_folder_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="manifest"):
        Reader(tmp_path)
    shutil.copy(MODEL_DIR / "manifest.json", tmp_path)
    shutil.copy(MODEL_DIR / "tokenizer.json", tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot be loaded"):
        Reader(tmp_path)
    (tmp_path / "manifest.json").write_text("{")
    with pytest.raises(ModelError, match="damaged"):
        read_manifest(tmp_path)


def test_threads_asking_at_once_load_a_reader_once(monkeypatch, tmp_path):
    import threading
    import time

    from evqa.reader import session

    made: list[object] = []

    class SlowReader:
        def __init__(self, folder):
            time.sleep(0.1)  # long enough for every thread to ask before it is done
            made.append(folder)

    monkeypatch.setattr(session, "Reader", SlowReader)
    monkeypatch.setattr(session, "_LOADED", {})
    got: list[object] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(session.load_reader(tmp_path))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [tmp_path] and len(got) == 8 and all(r is got[0] for r in got)
    assert session.load_reader(str(tmp_path)) is got[0]  # a str names the same folder


def test_a_reader_that_fails_to_load_is_tried_again(monkeypatch, tmp_path):
    from evqa.reader import session

    calls: list[int] = []

    def flaky(folder):
        calls.append(1)
        if len(calls) == 1:
            raise ModelError("the reader model cannot be loaded; reinstall evqa")
        return object.__new__(Reader)

    monkeypatch.setattr(session, "Reader", flaky)
    monkeypatch.setattr(session, "_LOADED", {})
    with pytest.raises(ModelError):
        session.load_reader(tmp_path)
    assert session.load_reader(tmp_path) is session.load_reader(tmp_path)
    assert len(calls) == 2


@pytest.mark.integration
def test_torch_stays_off_the_query_path():
    code = (
        "import sys, json; from evqa import Engine; "
        "a = Engine.open().ask('energy density of Jinshi battery'); "
        "print(json.dumps([a.answer, 'torch' in sys.modules, "
        "'sentence_transformers' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    answer, torch_loaded, st_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer == "350 Wh/kg" and not torch_loaded and not st_loaded
