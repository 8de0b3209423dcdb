"""Validation accuracy of one or two sets of trained networks (val + val_xeng, pooled; never the test split).

python reference/validate.py [--models DIR] [--against DIR] [--json FILE] [--record]

--models defaults to reference/out/models (freshly trained); --against, e.g. weights/, is the set it is
compared with. Prints per network val, val_xeng and pooled accuracy, their mean, and cooperative voting.
--record writes the --models set's validation into weights/manifest.json (use it with --models weights)."""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from kws_ref import synth, validation  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=pathlib.Path, default=HERE / "out" / "models")
    ap.add_argument("--against", type=pathlib.Path)
    ap.add_argument("--data", type=pathlib.Path, default=HERE / "out" / "data")
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--record", action="store_true", help="write the result into weights/manifest.json")
    args = ap.parse_args()
    cache = HERE / "out" / "cache"
    results = {"models": validation.evaluate(args.models, args.data, cache)}
    print(validation.table(results["models"], str(args.models)), flush=True)
    if args.against:
        results["against"] = validation.evaluate(args.against, args.data, cache)
        print(validation.table(results["against"], str(args.against)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.record:
        path = HERE.parent / "weights" / "manifest.json"
        manifest = json.loads(path.read_text())
        validation.record(manifest["networks"], results["models"])
        if "coop" in manifest and "coop" in results["models"]:
            manifest["coop"]["validation"] = results["models"]["coop"]
        path.write_text(json.dumps(manifest, indent=1))
        synth.write_voices_json(HERE.parent / "data" / "voices.json")
        print(f"recorded in {path} and data/voices.json")
