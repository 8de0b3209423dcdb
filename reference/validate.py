"""Validation accuracy of one or two sets of trained networks (val + val_xeng, pooled; never the test split).

python reference/validate.py [--models DIR] [--against DIR] [--json FILE]

--models defaults to reference/out/models (freshly trained); --against, e.g. weights/, is the set it is
compared with. Prints per network val, val_xeng and pooled accuracy, their mean, and cooperative voting."""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from kws_ref import validation  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=pathlib.Path, default=HERE / "out" / "models")
    ap.add_argument("--against", type=pathlib.Path)
    ap.add_argument("--data", type=pathlib.Path, default=HERE / "out" / "data")
    ap.add_argument("--json", type=pathlib.Path)
    args = ap.parse_args()
    cache = HERE / "out" / "cache"
    results = {"models": validation.evaluate(args.models, args.data, cache)}
    print(validation.table(results["models"], str(args.models)), flush=True)
    if args.against:
        results["against"] = validation.evaluate(args.against, args.data, cache)
        print(validation.table(results["against"], str(args.against)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
