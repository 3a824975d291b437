"""Average the weights of reader checkpoints of one training trajectory (a "model soup",
Wortsman et al. 2022; like stochastic weight averaging, Izmailov et al. 2018).

Writes ``OUT/model.pt`` and ``OUT/train_log.json``: the last checkpoint's run log, with the
logs of every averaged checkpoint under ``averaged_from``, so ``eval/export_reader.py``
records how the weights were made. Needs torch; never run by CI.

examples:
  python eval/average_weights.py runs/reader-e4/model-epoch4.pt \\
      runs/reader-sn/model-epoch1.pt runs/reader-d2/model-epoch1.pt --out runs/soup
  python eval/export_reader.py runs/soup/model.pt --log runs/soup/train_log.json \\
      --out runs/soup/export   # then export and measure the soup
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from _script import parser


def average(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of state dicts with the same keys and shapes (integer
    buffers, such as position ids, are taken from the first)."""
    keys = set(states[0])
    if any(set(s) != keys for s in states[1:]):
        raise ValueError("the checkpoints hold different parameters")
    out = {}
    for k, v in states[0].items():
        if v.is_floating_point():
            out[k] = torch.stack([s[k].to(torch.float64) for s in states]).mean(0).to(v.dtype)
        else:
            out[k] = v.clone()
    return out


def run_log(ckpt: Path) -> dict:
    path = ckpt.parent / "train_log.json"
    return json.loads(path.read_text()) if path.exists() else {}


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("checkpoints", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    if len(a.checkpoints) < 2:
        ap.error("give at least two checkpoints")
    for ckpt in a.checkpoints:
        if not ckpt.is_file():
            ap.error(f"no checkpoint at {ckpt}")
    states = []
    for ckpt in a.checkpoints:
        state = torch.load(ckpt, weights_only=False)
        states.append(state.get("model", state))
    a.out.mkdir(parents=True, exist_ok=True)
    tmp = a.out / "model.pt.tmp"
    torch.save(average(states), tmp)
    tmp.replace(a.out / "model.pt")
    log = dict(run_log(a.checkpoints[-1]))
    log["averaged_from"] = [{"checkpoint": str(c), "log": run_log(c)} for c in a.checkpoints]
    (a.out / "train_log.json").write_text(json.dumps(log, indent=2))
    print(f"averaged {len(states)} checkpoints into {a.out / 'model.pt'}")


if __name__ == "__main__":
    main()
