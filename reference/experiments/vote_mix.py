"""How voting compares with its best member across training runs, on the validation parts only.

python reference/experiments/vote_mix.py DIR_A DIR_B [--data DIR] [--json FILE]

DIR_A and DIR_B each hold the five cooperative networks (coop1.h5 ... coop5.h5) of one training run, e.g.
weights/ and a clean-clone rebuild's reference/out/models/. Every one of the 2^5 ensembles that takes each
network from one of the two runs is voted (majority, score-margin tie-break, as `kws-native coop`) on val and
val_xeng pooled, and the script prints how far the vote is above or below that ensemble's best member: the
spread that training noise alone gives the comparison of voting with the best single network.
Never touches the test split."""
import argparse
import itertools
import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from kws_ref import validation as V  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs=2, type=pathlib.Path, metavar="DIR")
    ap.add_argument("--data", type=pathlib.Path, default=HERE.parent / "out" / "data")
    ap.add_argument("--json", type=pathlib.Path)
    args = ap.parse_args()
    cache = HERE.parent / "out" / "cache"
    runs = []
    for d in args.runs:
        missing = [m for m in V.COOP if not (d / f"{m}.h5").exists()]
        if missing:
            sys.exit(f"vote_mix.py: {d}: no {', '.join(m + '.h5' for m in missing)}")
        labels, probs = V.predictions(d, args.data, cache, V.COOP)
        runs.append(probs)
    rows = []
    for pick in itertools.product(range(2), repeat=len(V.COOP)):
        members = {m: runs[r][m] for m, r in zip(V.COOP, pick)}
        best = max(V.pooled(labels, members[m]) for m in V.COOP)
        hits = np.concatenate([V.vote({m: members[m][p] for m in V.COOP}) == labels[p] for p in labels])
        rows.append({"runs": list(pick), "vote": float(hits.mean()), "best_member": best})
    diff = 100 * np.array([r["vote"] - r["best_member"] for r in rows])
    print(f"{len(rows)} ensembles, pooled validation ({', '.join(f'{p} {len(y)}' for p, y in labels.items())} clips)")
    print(f"  vote {100 * np.mean([r['vote'] for r in rows]):.2f} % on average")
    print(f"  vote minus best member: mean {diff.mean():+.2f}, sd {diff.std():.2f}, min {diff.min():+.2f}, "
          f"max {diff.max():+.2f} points; vote at least the best member in {(diff >= 0).sum()} of {len(rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
