"""The click options of the `evqa index` commands that change an index."""

from __future__ import annotations

import math

import click

from evqa import config
from evqa.cli.options import json_option, stack


def _seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """--wait's value if it is 0 or more seconds (not NaN, not infinite)."""
    if not math.isfinite(value) or value < 0:
        raise click.BadParameter(f"must be a number of seconds, 0 or more (got {value})")
    return value


wait_option = click.option(
    "--wait",
    type=float,
    default=0.0,
    show_default=True,
    callback=_seconds,
    help="Seconds to wait for another build of the same index.",
)

# the build settings: flag > EVQA_* env > the live index's manifest > default
settings_options = stack(
    click.option(
        "--ner/--no-ner",
        "analysis",
        default=None,
        help="Run spaCy entity recognition at index time [default: the index's, else on].",
    ),
    click.option(
        "--encoder",
        type=click.Choice(list(config.ENCODERS)),
        default=None,
        help="How documents are embedded: int8 or fp32 ONNX (onnxruntime) or torch "
        "(sentence-transformers) [env EVQA_ENCODER; default: the index's, else "
        f"{config.DEFAULTS['encoder']}].",
    ),
    click.option(
        "--chunk-overlap",
        type=int,
        default=None,
        help="Sentences shared by neighbouring chunks [env EVQA_CHUNK_OVERLAP; default: the "
        f"index's, else {config.DEFAULTS['chunk_overlap']}].",
    ),
    click.option(
        "--chunk-size",
        type=int,
        default=None,
        help="Characters per chunk [env EVQA_CHUNK_SIZE; default: the index's, else "
        f"{config.DEFAULTS['chunk_size']}].",
    ),
)

# what the build settings are called on the command line: errors name the flag
SETTING_FLAGS = {
    "chunk_size": "--chunk-size",
    "chunk_overlap": "--chunk-overlap",
    "encoder": "--encoder",
}

skip_bad_option = click.option(
    "--skip-bad",
    is_flag=True,
    help="Skip malformed JSONL lines and duplicate ids with a warning instead of failing.",
)

build_options = stack(
    json_option("Print the build report as JSON."),
    wait_option,
    skip_bad_option,
    settings_options,
)

backend_options = stack(
    click.option(
        "--backend",
        type=click.Choice(["local", "milvus"]),
        default=None,
        help="Where the chunks live [env EVQA_BACKEND; default: the index's, else local].",
    ),
    click.option(
        "--uri",
        default=None,
        help="Milvus: a milvus-lite file (news.db) or a server (http://host:19530) "
        "[env EVQA_MILVUS_URI; default INDEX/milvus.db]. A token comes from EVQA_MILVUS_TOKEN.",
    ),
    click.option(
        "--collection",
        default=None,
        help="Milvus collection [env EVQA_MILVUS_COLLECTION; default evqa_<index folder name>].",
    ),
)
