"""The Python side of the cold-start comparison: one process that classifies one WAV file the way the
course's deployment did (tf.audio.decode_wav + tf.signal features, then LiteRT + XNNPACK, one thread) and
prints one JSON line. bench/run_bench.py times the whole process from the outside, like `kws-native infer`.

python bench/infer_litert.py FILE.wav [--model little] [--network-only]

--network-only skips TensorFlow (no decoding, no features: zeros into the network) and so gives the floor
of any Python + LiteRT script: interpreter start, model load, one invoke.
"""
import argparse
import json
import pathlib
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--model", default="little")
    ap.add_argument("--network-only", action="store_true")
    args = ap.parse_args()
    manifest = json.loads((ROOT / "weights" / "manifest.json").read_text())
    entry = next((e for e in manifest["networks"] if e["name"] == args.model), None)
    if entry is None:
        sys.exit(f"no network '{args.model}' in weights/manifest.json")
    tfl = ROOT / "reference" / "out" / "tflite" / f"{args.model}.tflite"
    if not tfl.exists():
        sys.exit(f"{tfl} is missing: python reference/bench_tflite.py --networks {args.model} converts it")
    it = Interpreter(model_path=str(tfl), num_threads=1)
    it.allocate_tensors()
    inp, outp = it.get_input_details()[0], it.get_output_details()[0]
    if args.network_only:
        x = np.zeros(inp["shape"], np.float32)
    else:
        sys.path.insert(0, str(ROOT / "reference"))
        import tensorflow as tf
        from kws_ref import features as F
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        x = F.features(F.decode_wav(args.file), entry["features"]).numpy()[np.newaxis].astype(np.float32)
    it.set_tensor(inp["index"], x)
    it.invoke()
    logits = it.get_tensor(outp["index"])[0]
    labels = entry.get("labels") or manifest["labels"]
    print(json.dumps({"file": args.file, "model": args.model, "label": labels[int(np.argmax(logits))]}))


if __name__ == "__main__":
    main()
