"""The index folder: generations, manifest, checksums, atomic swap, lock."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest
from conftest import file_size_limit

from evqa import config, store
from evqa.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    InputError,
)


def _write_gen(root: Path, payload: str) -> Path:
    tmp = store.new_tmp_generation(root)
    (tmp / "data.txt").write_text(payload)
    (tmp / "sub").mkdir()
    (tmp / "sub" / "x.json").write_text(json.dumps({"p": payload}))
    with store.build_lock(root):
        return store.commit(
            root, tmp, {"model": {"name": "m", "path": None, "sha256": "m", "dim": 3}}
        )


def test_commit_then_open_reads_the_new_generation(tmp_path):
    gen_path = _write_gen(tmp_path, "one")
    gen = store.open_generation(tmp_path)
    assert gen.path == gen_path
    assert gen.file("data.txt").read_text() == "one"
    assert set(gen.manifest["files"]) == {"data.txt", "sub/x.json"}
    assert gen.manifest["format_version"] == store.FORMAT_VERSION
    assert not list(tmp_path.glob(store.TMP_PREFIX + "*"))


def test_a_second_commit_swaps_and_garbage_collection_keeps_the_previous(tmp_path):
    first = _write_gen(tmp_path, "one")
    time.sleep(0.01)
    second = _write_gen(tmp_path, "two")
    time.sleep(0.01)
    third = _write_gen(tmp_path, "three")
    with store.build_lock(tmp_path):
        removed = store.collect_garbage(tmp_path)
    assert store.open_generation(tmp_path).file("data.txt").read_text() == "three"
    assert first.name in removed
    assert second.exists() and third.exists() and not first.exists()


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexNotFoundError, match="evqa index build"):
        store.open_generation(tmp_path / "nope")
    with pytest.raises(IndexNotFoundError, match="evqa index build"):
        store.open_generation(tmp_path)


def test_the_build_hint_of_a_missing_index_names_a_corpus_unless_it_is_the_default(
    tmp_path, monkeypatch
):
    # any index but the default one is built from the user's articles, not from seeds/
    with pytest.raises(IndexNotFoundError) as err:
        store.open_generation(tmp_path / "nope")
    want = f"evqa index build --corpus PATH/TO/ARTICLES --index {tmp_path / 'nope'}"
    assert want in str(err.value)
    with pytest.raises(IndexNotFoundError, match="--corpus PATH/TO/ARTICLES"):
        store.open_generation(tmp_path)  # a folder without CURRENT
    monkeypatch.setitem(config.DEFAULTS, "index", tmp_path / "default")
    with pytest.raises(IndexNotFoundError) as err:
        store.open_generation(tmp_path / "default")
    assert str(err.value).endswith(f"evqa index build --index {tmp_path / 'default'}")


@pytest.mark.parametrize(
    "damage",
    [
        lambda gen: (gen / store.MANIFEST).write_text("{not json"),
        lambda gen: (gen / store.MANIFEST).unlink(),
        lambda gen: (gen / store.MANIFEST).write_text(json.dumps({"format": "other"})),
        lambda gen: (gen / store.MANIFEST).write_bytes(b"\xff\xfe\x00garbage"),
    ],
)
def test_damaged_manifest_is_reported_as_corrupt(tmp_path, damage):
    damage(_write_gen(tmp_path, "one"))
    with pytest.raises(IndexCorruptError, match="rebuild"):
        store.open_generation(tmp_path)


def _edit_manifest(gen: Path, edit) -> None:
    manifest = json.loads((gen / store.MANIFEST).read_text())
    edit(manifest)
    (gen / store.MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("edit", "section"),
    [
        (lambda m: m.pop("model"), "model"),
        (lambda m: m.update(model="minilm"), "model"),
        (lambda m: m.update(model={"name": "x"}), "model"),
        (lambda m: m.update(settings="fast"), "settings"),
        (lambda m: m.update(corpus=["seeds"]), "corpus"),
        (lambda m: m.update(corpus={"path": 5}), "corpus"),
        (lambda m: m["files"].update({"data.txt": "oops"}), "files"),
        (lambda m: m["files"]["data.txt"].pop("sha256"), "files"),
        (lambda m: m.update(corpus={"path": "../c", "absolute_path": ["x"]}), "corpus"),
    ],
)
def test_a_manifest_with_a_damaged_section_is_corrupt_not_a_crash(tmp_path, edit, section):
    _edit_manifest(_write_gen(tmp_path, "one"), edit)
    with pytest.raises(IndexCorruptError, match=f"damaged {section} section.*rebuild"):
        store.open_generation(tmp_path)


def test_current_pointing_nowhere_is_corrupt(tmp_path):
    _write_gen(tmp_path, "one")
    (tmp_path / store.CURRENT).write_text("gen-missing\n")
    with pytest.raises(IndexCorruptError):
        store.open_generation(tmp_path)


def test_truncated_file_fails_the_size_check_and_verify(tmp_path):
    gen_path = _write_gen(tmp_path, "a longer payload")
    (gen_path / "data.txt").write_text("a long")
    gen = store.open_generation(tmp_path)
    with pytest.raises(IndexCorruptError, match="truncated"):
        store.check_sizes(gen)
    assert store.verify(gen) == ["data.txt: size 6, expected 16"]


def test_verify_detects_same_size_tampering(tmp_path):
    gen_path = _write_gen(tmp_path, "payload")
    (gen_path / "data.txt").write_text("PAYLOAD")
    gen = store.open_generation(tmp_path)
    store.check_sizes(gen)  # same size: only the checksum can tell
    assert store.verify(gen) == ["data.txt: checksum mismatch"]


def test_verify_passes_on_a_good_index(tmp_path):
    _write_gen(tmp_path, "payload")
    assert store.verify(store.open_generation(tmp_path)) == []


def _hold_lock(root: str, ready, release) -> None:
    with store.build_lock(Path(root)):
        ready.set()
        release.wait(10)


def test_a_second_build_gets_a_clear_lock_error(tmp_path):
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    p.start()
    try:
        assert ready.wait(10)
        with pytest.raises(IndexLockedError, match="another build"), store.build_lock(tmp_path):
            pass
    finally:
        release.set()
        p.join(10)
    with store.build_lock(tmp_path):  # free again once the holder exits
        pass


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    p.start()
    assert ready.wait(10)
    p.kill()
    p.join(10)
    with store.build_lock(tmp_path, wait=2.0):
        pass


def test_read_only_folder_gives_a_write_error(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: simulate what others see
        monkeypatch.setattr(store.os, "access", lambda path, mode: not mode & os.W_OK)
    try:
        with pytest.raises(IndexWriteError, match="not writable"), store.build_lock(ro):
            pass
    finally:
        ro.chmod(0o755)


def test_killed_build_leftovers_do_not_affect_readers_and_are_collected(tmp_path):
    _write_gen(tmp_path, "good")
    leftover = store.new_tmp_generation(tmp_path)  # as if SIGKILLed mid-write
    (leftover / "data.txt").write_text("half")
    assert store.open_generation(tmp_path).file("data.txt").read_text() == "good"
    with store.build_lock(tmp_path):
        assert leftover.name in store.collect_garbage(tmp_path)
    assert not leftover.exists()


def test_garbage_collection_removes_only_what_evqa_made(tmp_path):
    _write_gen(tmp_path, "one")
    (tmp_path / "gen-ai-notes").mkdir()
    (tmp_path / "gen-ai-notes" / "n.txt").write_text("x")
    (tmp_path / ".tmp-stuff").mkdir()
    (tmp_path / ".tmp-draft.txt").write_text("y")
    (tmp_path / "gen-20240101T000000-abcdef").mkdir()  # evqa's name, but no manifest
    leftover = store.new_tmp_generation(tmp_path)  # a killed build's: evqa's own
    for payload in ("two", "three", "four"):
        time.sleep(0.01)
        _write_gen(tmp_path, payload)
    with store.build_lock(tmp_path):
        store.collect_garbage(tmp_path)
    assert (tmp_path / "gen-ai-notes" / "n.txt").read_text() == "x"
    assert (tmp_path / ".tmp-stuff").is_dir()
    assert (tmp_path / ".tmp-draft.txt").read_text() == "y"
    assert (tmp_path / "gen-20240101T000000-abcdef").is_dir()
    assert not leftover.exists()
    assert len([p for p in tmp_path.glob("gen-2*") if (p / store.MANIFEST).exists()]) == 2


def test_a_build_refuses_a_folder_of_other_files(tmp_path):
    own = tmp_path / "u"
    (own / "gen-ai-notes").mkdir(parents=True)
    (own / "gen-ai-notes" / "n.txt").write_text("x")
    match = "not empty and is not an evqa index.*--index"
    with pytest.raises(InputError, match=match), store.build_lock(own):
        pass
    assert sorted(p.name for p in own.iterdir()) == ["gen-ai-notes"]  # not even a .lock
    # an empty folder, and one holding only a killed first build's leftovers, are fine
    with store.build_lock(tmp_path / "empty"):
        leftover = store.new_tmp_generation(tmp_path / "empty")
    with store.build_lock(tmp_path / "empty"):
        assert leftover.name in store.collect_garbage(tmp_path / "empty")


def test_an_index_path_that_is_a_file_says_so(tmp_path):
    f = tmp_path / "somefile"
    f.write_text("mine")
    with pytest.raises(IndexNotFoundError, match="is a file, not an index folder") as err:
        store.open_generation(f)
    assert f"--index {f}" not in str(err.value)  # no hint that would fail the same way
    # bad input, not an unwritable folder; a path under a file too
    with pytest.raises(InputError, match="is a file, not a folder"), store.build_lock(f):
        pass
    under = f / "sub" / "idx"
    with pytest.raises(InputError, match=f"{f} is a file, not a folder"), store.build_lock(under):
        pass
    assert f.read_text() == "mine"


# --- output files: atomic writes and the check before a run -------------------------------


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "keep.jsonl"
    path.write_text("OLD\n")
    with pytest.raises(OSError), file_size_limit(100), store.atomic_path(path) as tmp:
        tmp.write_text("x" * 1000)
    assert path.read_text() == "OLD\n"
    assert os.listdir(tmp_path) == ["keep.jsonl"]
    with store.atomic_path(tmp_path / "new" / "out.txt") as tmp:  # creates the folder
        tmp.write_text("NEW")
    assert (tmp_path / "new" / "out.txt").read_text() == "NEW"
    assert os.listdir(tmp_path / "new") == ["out.txt"]


def test_atomic_path_writes_a_device_in_place():
    with store.atomic_path(Path(os.devnull)) as tmp:
        assert tmp == Path(os.devnull)
        tmp.write_text("gone")


def under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "f").write_text("x")
    return tmp_path / "f" / "out.md"


def a_folder(tmp_path: Path) -> Path:
    (tmp_path / "d").mkdir()
    return tmp_path / "d"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (under_a_file, "is a file, not a folder"),
        (a_folder, "is a folder"),
        (lambda t: Path("/proc/evqa-out.md"), "cannot write in /proc"),  # even as root
    ],
)
def test_check_output_file_refuses_what_cannot_be_written(tmp_path, make, message):
    with pytest.raises(InputError, match=message) as info:
        store.check_output_file(make(tmp_path), "--report")
    assert "--report" in str(info.value)


def test_check_output_file_accepts_new_folders_and_devices_and_leaves_nothing(tmp_path):
    store.check_output_file(tmp_path / "a" / "b" / "out.md", "--report")
    store.check_output_file(tmp_path / "out.md", "--report")
    store.check_output_file(Path(os.devnull), "--report")
    assert os.listdir(tmp_path) == []


def test_an_output_through_a_link_replaces_the_links_target(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("OLD\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with store.atomic_path(link) as tmp:
        tmp.write_text("NEW\n")
    assert link.is_symlink() and target.read_text() == "NEW\n"


def test_device_paths_are_written_in_place(tmp_path):
    assert store._written_in_place(Path("/dev/null"))
    assert store._written_in_place(Path("/dev/stdout")) or not Path("/dev/stdout").exists()
    regular = tmp_path / "out.txt"
    regular.write_text("x")
    assert not store._written_in_place(regular) and not store._written_in_place(tmp_path)


def test_verify_lists_an_unreadable_file_as_a_problem(tmp_path, monkeypatch):
    _write_gen(tmp_path, "payload")
    gen = store.open_generation(tmp_path)

    real = store.sha256_file

    def denied(path):
        if Path(path).name == "data.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(store, "sha256_file", denied)
    assert store.verify(gen) == ["data.txt: unreadable (Permission denied)"]


@pytest.mark.parametrize(
    ("edit", "field", "must"),
    [
        (lambda m: m["model"].update(path=123), "model.path 123", "a string or null"),
        (lambda m: m["model"].update(dim="384"), "model.dim '384'", "a whole number"),
        (lambda m: m["model"].update(dim=True), "model.dim True", "a whole number"),
        (lambda m: m["model"].update(sha256=None), "model.sha256 None", "a string"),
        (lambda m: m.update(settings={"bm25_weight": "0.3"}), "settings.bm25_weight '0.3'", "a"),
        (lambda m: m.update(settings={"bm25_weight": 1.5}), "settings.bm25_weight 1.5", "a"),
        (lambda m: m.update(settings={"fusion": "rfr"}), "settings.fusion 'rfr'", "one of"),
        (lambda m: m.update(settings={"rrf_k": "60"}), "settings.rrf_k '60'", "a whole"),
        (lambda m: m.update(settings={"chunk_size": [600]}), "settings.chunk_size [600]", "a"),
        (lambda m: m.update(settings={"analysis": "no"}), "settings.analysis 'no'", "true"),
    ],
)
def test_a_manifest_value_of_the_wrong_type_is_corrupt_naming_the_field(
    tmp_path, edit, field, must
):
    """A hand-edited value used to crash its readers with a TypeError (exit 1), or be taken
    for bad input (exit 2) although the index is at fault."""
    _edit_manifest(_write_gen(tmp_path, "one"), edit)
    with pytest.raises(IndexCorruptError) as e:
        store.open_generation(tmp_path)
    assert f"manifest.json has a bad {field} (it must be {must}" in str(e.value)
    assert str(e.value).endswith(f"; rebuild with: evqa index build --index {tmp_path}")
    # a rebuild still finds what the index records (its corpus, its backend)
    assert store.recorded_manifest(tmp_path)["model"]["name"] == "m"


def test_well_formed_manifest_values_are_read(tmp_path):
    settings = {"fusion": "rrf", "bm25_weight": 1, "rrf_k": 0, "analysis": False, "encoder": None}
    model = {"name": "m", "path": "/models/m", "sha256": "m", "dim": 3, "encoder": "onnx"}
    _edit_manifest(_write_gen(tmp_path, "one"), lambda m: m.update(settings=settings, model=model))
    assert store.open_generation(tmp_path).manifest["settings"] == settings


def test_a_commit_interrupted_before_the_swap_takes_back_the_generation_it_renamed(
    tmp_path, monkeypatch
):
    live = _write_gen(tmp_path, "one")
    tmp = store.new_tmp_generation(tmp_path)
    (tmp / "data.txt").write_text("two")
    real = store._fsync_file

    def interrupted(path):
        if path.name.startswith(store.TMP_PREFIX + store.CURRENT):
            raise KeyboardInterrupt  # Ctrl-C between the rename and the swap
        real(path)

    monkeypatch.setattr(store, "_fsync_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.commit(tmp_path, tmp, {})
    monkeypatch.setattr(store, "_fsync_file", real)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [store.CURRENT, store.LOCK, live.name]
    )
    assert store.open_generation(tmp_path).path == live


def test_a_failed_write_before_the_swap_leaves_nothing_behind(tmp_path, monkeypatch):
    from evqa.errors import IndexWriteError

    live = _write_gen(tmp_path, "one")
    tmp = store.new_tmp_generation(tmp_path)

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", full)
    with pytest.raises(IndexWriteError, match="previous index is unchanged"):
        store.commit(tmp_path, tmp, {})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [store.CURRENT, store.LOCK, live.name]
    )


def test_garbage_collection_keeps_the_generation_that_was_live_before_not_the_newest(
    tmp_path,
):
    first = _write_gen(tmp_path, "one")
    time.sleep(0.01)
    second = _write_gen(tmp_path, "two")
    assert store.open_generation(tmp_path).manifest["previous"] == first.name
    orphan = tmp_path / "gen-20991231T000000-abcdef"  # a killed build's, never live
    orphan.mkdir()
    (orphan / store.MANIFEST).write_text("{}")
    with store.build_lock(tmp_path):
        removed = store.collect_garbage(tmp_path)
    assert removed == [orphan.name]
    assert first.exists() and second.exists()


def test_a_file_that_grew_is_not_called_truncated(tmp_path):
    gen_path = _write_gen(tmp_path, "short")
    (gen_path / "data.txt").write_text("short and then some")
    with pytest.raises(IndexCorruptError, match="written to since the build") as e:
        store.check_sizes(store.open_generation(tmp_path))
    assert "truncated" not in str(e.value)
