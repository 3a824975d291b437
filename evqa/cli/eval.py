"""`evqa eval`: score answers, citations, abstention and latency against gold questions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from evqa import config
from evqa.cli.common import (
    handle_errors,
    open_engine,
    resolve_model,
    terminated_cleanly,
    warning,
)
from evqa.cli.options import (
    NonEmptyPath,
    OutputFile,
    corpus_option,
    index_option,
    json_option,
    model_option,
)
from evqa.cli.output import ProgressBars, console, print_json
from evqa.errors import EvqaError, InputError


@click.command("eval")
@click.option(
    "--gold",
    type=NonEmptyPath(path_type=Path),
    required=True,
    help="Gold questions, JSONL (see README).",
)
@index_option
@corpus_option("Evaluate on this corpus, indexed into a cached index first.")
@click.option(
    "--skip-bad",
    is_flag=True,
    help="With --corpus: skip the corpus's malformed JSONL lines and duplicate article ids"
    " with a warning instead of failing. Not for --gold: every gold line is checked.",
)
@click.option(
    "--ner/--no-ner",
    "analysis",
    default=None,
    help="With --corpus: run spaCy entity recognition when indexing it (--no-ner builds "
    "faster) [default: on].",
)
@click.option(
    "--mode",
    type=click.Choice([*config.MODES, "all"]),
    default=None,
    help="Retriever to evaluate; all = side by side [env EVQA_MODE, except all; default hybrid].",
)
@click.option(
    "-k",
    "k",
    type=int,
    default=None,
    help=f"Passages per question [env EVQA_K; default {config.DEFAULTS['k']}].",
)
@click.option(
    "--split",
    type=click.Choice(["all", "dev", "test", "train"]),  # evaluation.gold.SPLITS (a test checks)
    default="all",
    show_default=True,
    help="Only the gold questions of this split.",
)
@click.option(
    "--predictions",
    type=OutputFile(),
    default=None,
    help="Write one JSONL line per question (and mode) to this file.",
)
@click.option("--report", type=OutputFile(), default=None, help="Write a markdown report here.")
@click.option(
    "--plot",
    type=OutputFile(),
    default=None,
    help="Write a PNG here: recall@k per mode and a reliability diagram of confidence"
    " (needs matplotlib).",
)
@json_option("Print the metrics as JSON.")
@model_option
@handle_errors
def eval_cmd(
    gold,
    index,
    corpus,
    skip_bad,
    analysis,
    mode,
    k,
    split,
    predictions,
    report,
    plot,
    as_json,
    model,
) -> None:
    """Score answers, citations, abstention and latency against a gold question set.

    Answer metrics include hit@1, SQuAD EM/F1 of the span with the official normalisation
    (squad_em/squad_f1 over answerable questions; squad_em_v2/squad_f1_v2 over all, an
    unanswerable question scoring 1 when abstained) and the expected calibration error of
    the confidence (ece: 10 equal-width bins over answered questions; ece_all: abstentions
    too, as not right). --plot adds the reliability diagram beside the recall@k curves.

    \b
    Examples:
      evqa eval --gold eval/gold/seeds.jsonl
      evqa eval --gold eval/gold/seeds.jsonl --mode all --report eval/out/report.md
      evqa eval --gold eval/gold/seeds.jsonl --plot eval/out/eval.png --json
      evqa eval --gold my_gold.jsonl --corpus my_articles/ --predictions preds.jsonl
      evqa eval --gold my_gold.jsonl --corpus news.jsonl --skip-bad --no-ner
    """
    from evqa import evaluation

    outputs = {"--predictions": predictions, "--report": report, "--plot": plot}
    modes = _check_flags(gold, index, corpus, skip_bad or analysis is not None, mode, k, outputs)
    items = evaluation.load_split(gold, None if split == "all" else split)
    if corpus is not None:
        index = _cached_corpus_index(corpus, model, skip_bad, analysis)
    engine = open_engine(index, model, k=k, mode=modes[0])
    if unknown := evaluation.unknown_doc_ids_warning(items, engine.articles):
        warning(unknown)
    results = _run(engine, items, modes, k or engine.k)
    # the metrics first: a file that cannot be written then loses nothing of the run
    _print_metrics(results, as_json)
    _write_outputs(results, outputs)


def _check_flags(
    gold: Path,
    index: Path | None,
    corpus: Path | None,
    corpus_flags: bool,
    mode: str | None,
    k: int | None,
    outputs: dict[str, Path | None],
) -> list[str]:
    """The modes to evaluate; bad flags and outputs are refused before the run, not after."""
    from evqa import evaluation

    if index is not None and corpus is not None:
        raise InputError("give --index or --corpus, not both")
    if corpus_flags and corpus is None:
        raise InputError(
            "--skip-bad and --ner/--no-ner apply to the articles of --corpus; give --corpus too"
        )
    if k is not None:
        config.check_k(k, "-k")
    mode = _eval_mode(mode)
    _check_eval_outputs(gold, outputs)
    if outputs["--plot"] is not None:
        evaluation.require_matplotlib()
    return list(config.MODES) if mode == "all" else [mode]


def _eval_mode(flag: str | None) -> str:
    """--mode > EVQA_MODE > the default. ``all`` (side by side) is a flag of eval only:
    EVQA_MODE is shared with ask, search and chat, which take one retriever."""
    if flag is not None:
        return flag
    mode = config.resolve("mode")
    if mode not in config.MODES:  # only EVQA_MODE can give a bad one
        raise InputError(
            f"unknown mode {mode!r} in EVQA_MODE; choose one of: {', '.join(config.MODES)}"
            " (all, side by side, is for evqa eval --mode only); fix or unset EVQA_MODE"
        )
    return mode


def _check_eval_outputs(gold: Path, outputs: dict[str, Path | None]) -> None:
    """Refuse an output that is the gold file or another output, or that cannot be
    written (a folder, under a file, in a read-only folder)."""
    from evqa.store import check_output_file

    seen = [("--gold", gold)]
    for name, path in outputs.items():
        if path is None:
            continue
        for other, taken in seen:
            if _same_file(path, taken):
                what = (
                    "the gold file, which it would overwrite"
                    if other == "--gold"
                    else f"also given to {other}"
                )
                raise InputError(f"{name} {path} is {what}; choose another path for {name}")
        check_output_file(path, name)
        seen.append((name, path))


def _same_file(a: Path, b: Path) -> bool:
    """Whether writing ``a`` would overwrite ``b`` (a device such as /dev/null is never
    overwritten)."""
    if a.exists() and b.exists():
        return a.is_file() and os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _cached_corpus_index(
    corpus: Path, model: Path | None, skip_bad: bool, analysis: bool | None
) -> Path:
    """Index a corpus into the cache (incrementally), with progress bars on a terminal and
    the build's warnings on stderr, as `evqa index build` shows them; a SIGTERM cleans up
    as there."""
    from evqa import evaluation

    with terminated_cleanly(), ProgressBars() as progress:
        return evaluation.cached_corpus_index(
            corpus,
            resolve_model(model),
            progress=progress,
            skip_bad=skip_bad,
            analysis=analysis,
            warn=warning,
        )


def _run(engine, items: list, modes: list[str], k: int) -> dict[str, Any]:
    """Each mode's EvalResult, with a progress bar of the questions asked on a terminal."""
    from evqa import evaluation

    results = {}
    with ProgressBars() as progress:
        for m in modes:

            def tick(done: int, m: str = m) -> None:
                progress(f"Asking questions ({m})", 1, len(items))

            results[m] = evaluation.run_eval(
                engine, items, k=k, mode=m, progress=tick if progress else None
            )
    return results


def _print_metrics(results: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json({m: r.metrics for m, r in results.items()})
        return
    from evqa import evaluation
    from evqa.cli import render

    render.print_table(console(), evaluation.format_table(results))


def _write_outputs(results: dict[str, Any], outputs: dict[str, Path | None]) -> None:
    """Write each output asked for; one that fails leaves the file as it was, and the
    others are still written."""
    from evqa import evaluation

    writers = {
        "--predictions": _write_predictions,
        "--report": evaluation.write_markdown_report,
        "--plot": evaluation.write_plot,
    }
    failed = []
    for name, path in outputs.items():
        if path is not None:
            try:
                writers[name](results, path)
            except OSError as e:  # disk full, file too large...: the old file is whole
                failed.append(f"{name} {path} ({e.strerror or e})")
    if failed:
        raise EvqaError(
            f"cannot write {'; '.join(failed)}; what was there before is unchanged."
            " The metrics above are complete; free space or choose another path"
        )


def _write_predictions(results: dict, path: Path) -> None:
    from evqa.evaluation import write_predictions

    rows = []
    for mode, result in results.items():
        rows += [{**r, "mode": mode} for r in result.records]
    write_predictions(rows, path)
