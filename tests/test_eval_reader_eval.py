"""eval/reader_eval.py: a bad reader folder or SQuAD folder is one error line and exit 2,
not a traceback."""

import eval_scripts
import pytest

reader_eval = eval_scripts.load("reader_eval")


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_a_missing_reader_folder_exits_2_naming_it(tmp_path, capsys):
    folder = tmp_path / "runs" / "reader" / "export" / "int8"
    assert reader_eval.main([str(folder)]) == 2
    assert _error_line(capsys).startswith(
        f"error: reader folder {folder} not found; give a folder written by eval/export_reader.py"
    )


def test_a_folder_that_is_not_a_readers_exits_2_naming_it(tmp_path, capsys):
    assert reader_eval.main([str(tmp_path)]) == 2
    assert _error_line(capsys) == (
        f"error: reader folder {tmp_path} has no manifest.json, model.onnx, tokenizer.json;"
        " give a folder written by eval/export_reader.py\n"
    )
    for name in reader_eval.READER_FILES:
        (tmp_path / name).write_text("damaged")
    assert reader_eval.main([str(tmp_path)]) == 2
    err = _error_line(capsys)
    assert err.startswith(f"error: reader folder {tmp_path} cannot be read (")
    assert "reinstall evqa" not in err  # that advice is for the shipped reader


@pytest.mark.parametrize("make", [False, True])
def test_a_missing_squad_folder_or_file_exits_2_naming_it(tmp_path, capsys, monkeypatch, make):
    monkeypatch.setattr(reader_eval, "load_reader", lambda folder: object())
    squad = tmp_path / "squad"
    if make:
        squad.mkdir()
    assert reader_eval.main(["--squad", str(squad)]) == 2
    assert _error_line(capsys) == (
        f"error: SQuAD file {squad / 'squad-v1.1-train.json'} not found; give the folder of"
        " the official SQuAD JSON files\n"
    )


def test_news_sets_are_scored_each_and_pooled(monkeypatch, capsys, tmp_path):
    import json

    monkeypatch.setattr(reader_eval, "load_reader", lambda folder: "reader")
    monkeypatch.setattr(reader_eval.rdata, "load_split", lambda squad: ([], ["squad q"]))
    sets = {"a": ["a1", "a2"], "b": ["b1"]}
    monkeypatch.setattr(reader_eval, "news_examples", lambda gold, index: sets[gold.stem])
    monkeypatch.setattr(reader_eval, "reads", lambda reader, ex: list(ex))
    monkeypatch.setattr(reader_eval, "summary", lambda rows: {"n": rows})
    args = ["--news", str(tmp_path / "a.jsonl"), "ia", "--news", str(tmp_path / "b.jsonl"), "ib"]
    assert reader_eval.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == ["squad q"]
    assert out["news"] == {
        "a": {"n": ["a1", "a2"]},
        "b": {"n": ["b1"]},
        "pooled": {"n": ["a1", "a2", "b1"]},
    }


def test_a_news_set_that_cannot_be_read_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(reader_eval, "load_reader", lambda folder: "reader")
    monkeypatch.setattr(reader_eval.rdata, "load_split", lambda squad: ([], []))
    gold = tmp_path / "nope.jsonl"
    assert reader_eval.main(["--news", str(gold), str(tmp_path / "idx")]) == 2
    assert _error_line(capsys).startswith("error: ")


def test_write_stores_the_news_figures_in_the_readers_manifest(monkeypatch, capsys, tmp_path):
    import json

    monkeypatch.setattr(reader_eval, "load_reader", lambda folder: "reader")
    monkeypatch.setattr(reader_eval.rdata, "load_split", lambda squad: ([], []))
    monkeypatch.setattr(reader_eval, "news_examples", lambda gold, index: [gold.stem])
    monkeypatch.setattr(reader_eval, "reads", lambda reader, ex: list(ex))
    monkeypatch.setattr(
        reader_eval, "summary", lambda rows: {"em": len(rows), "f1": 0.5, "answerable": 9}
    )
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"name": "r", "reader_alone_news": {"old": 1}}))
    args = [str(tmp_path), "--news", str(tmp_path / "a.jsonl"), "ia", "--write"]
    assert reader_eval.main(args) == 0
    m = json.loads(manifest.read_text())
    assert m["name"] == "r"
    assert m["reader_alone_news"]["sets"] == {"a": {"em": 1, "f1": 0.5}}  # per set: EM and F1
    assert m["reader_alone_news"]["pooled"] == {"em": 1, "f1": 0.5, "answerable": 9}
    assert "old" not in m["reader_alone_news"]
    assert f"wrote reader_alone_news into {manifest}" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # no temporary file left


def test_write_without_news_sets_exits_2(capsys, tmp_path):
    assert reader_eval.main([str(tmp_path), "--write"]) == 2
    assert _error_line(capsys) == (
        "error: --write stores the --news figures; give --news GOLD INDEX\n"
    )
