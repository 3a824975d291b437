"""`evqa eval --help`: --skip-bad is described as what it is there, a --corpus option that
leaves the gold file checked in full (not the index build's wording)."""

from cli_helpers import run


def test_eval_help_says_skip_bad_is_for_the_corpus_not_the_gold_file(runner):
    r = run(runner, "eval", "--help")
    assert r.exit_code == 0, r.output
    help_text = " ".join(r.output.split())
    assert "--skip-bad With --corpus: skip the corpus's malformed JSONL lines" in help_text
    assert "Not for --gold: every gold line is checked." in help_text
    assert "Skip malformed JSONL lines and duplicate ids" not in help_text


def test_index_build_keeps_the_shared_wording(runner):
    r = run(runner, "index", "build", "--help")
    assert "Skip malformed JSONL lines and duplicate ids" in " ".join(r.output.split())
