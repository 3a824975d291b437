"""A tiny random sentence-transformers model, to iterate on the index store at scale.

Its embeddings mean nothing (random weights), but it has MiniLM's tokenizer and the same
pipeline (transformer, mean pooling, normalisation), so a 150k-chunk build takes minutes
instead of half an hour, and what a cold ask costs beyond the encoder is the store's.
Needs torch and transformers (the install's own); deterministic for a given seed.

examples:
  python eval/tiny_model.py eval/.cache/tiny-model       # one layer, 32 dimensions
  python eval/bench.py --large --model eval/.cache/tiny-model
  python eval/tiny_model.py eval/.cache/tiny-model-2x64 --layers 2 --dim 64 --seed 1
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser  # noqa: E402

TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "sentence_bert_config.json",
)


def make(out: Path, dim: int = 32, layers: int = 1, seed: int = 0) -> Path:
    import torch
    from transformers import BertConfig, BertModel

    from evqa.encoder import ensure_offline, resolve_model

    ensure_offline()
    bundled = resolve_model(None).path
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=dim,
        num_hidden_layers=layers,
        num_attention_heads=max(1, dim // 16),
        intermediate_size=dim * 2,
        max_position_embeddings=512,
    )
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    BertModel(config).save_pretrained(tmp, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copy(bundled / name, tmp / name)
    (tmp / "1_Pooling").mkdir()
    pooling = json.loads((bundled / "1_Pooling" / "config.json").read_text())
    pooling["word_embedding_dimension"] = dim
    (tmp / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=1))
    (tmp / "modules.json").write_text((bundled / "modules.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(make(a.out, a.dim, a.layers, a.seed))


if __name__ == "__main__":
    main()
