"""The TFLite anchor: each network converted to float32 TFLite and timed with LiteRT single-threaded, with
XNNPACK and without; tf.signal features in a tf.function. Writes bench/baseline.json (and keeps the .tflite
files in reference/out/tflite for bench/infer_litert.py).

python reference/bench_tflite.py [--runs N] [--out bench/baseline.json] [--networks little,big]
"""
import argparse
import json
import pathlib
import platform
import sys
import time

import numpy as np
import tensorflow as tf

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from kws_ref import features as F  # noqa: E402


def percentiles(samples_us):
    a = np.asarray(samples_us)
    return {"p50": float(np.percentile(a, 50)), "p90": float(np.percentile(a, 90)),
            "p99": float(np.percentile(a, 99))}


def time_calls(fn, runs, warmup=50):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t) / 1000)
    return percentiles(out)


def convert(model_path, out_path):
    import keras
    model = keras.models.load_model(model_path, compile=False)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    out_path.write_bytes(conv.convert())
    return model


def tflite_path(name):
    return HERE / "out" / "tflite" / f"{name}.tflite"


def ensure_tflite(name):
    """The float32 .tflite of weights/<name>.h5, converted again only when the .h5 is newer."""
    h5, tfl = ROOT / "weights" / f"{name}.h5", tflite_path(name)
    if not tfl.exists() or tfl.stat().st_mtime < h5.stat().st_mtime:
        tfl.parent.mkdir(parents=True, exist_ok=True)
        convert(h5, tfl)
    return tfl


def interpreter(path, xnnpack):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kind = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=kind)
    it.allocate_tensors()
    return it


def bench_network(name, manifest_entry, runs):
    tfl = tflite_path(name)
    tfl.parent.mkdir(parents=True, exist_ok=True)
    model = convert(ROOT / "weights" / f"{name}.h5", tfl)
    x = np.random.default_rng(0).normal(size=(1,) + tuple(model.input_shape[1:])).astype(np.float32)
    row = {"network": name, "macs": manifest_entry.get("macs")}
    ref = model(x, training=False).numpy()
    for xnn in (True, False):
        it = interpreter(tfl, xnn)
        inp, outp = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]

        def run():
            it.set_tensor(inp, x)
            it.invoke()
        run()
        err = float(np.abs(it.get_tensor(outp) - ref).max())
        stats = time_calls(run, runs)
        row["xnnpack" if xnn else "builtin"] = {**stats, "max_abs_err_vs_keras": err}
    row["tflite_us"] = row["xnnpack"]["p50"]
    if row["macs"]:
        row["xnnpack_gflops"] = 2 * row["macs"] / (row["tflite_us"] * 1e3)
    return row


def bench_features(runs):
    wave = tf.constant(np.random.default_rng(1).uniform(-0.5, 0.5, 16000).astype(np.float32))
    out = {}
    for key, spec in (("stft_64x64", F.STFT_64), ("mfcc_10", F.MFCC_10), ("mfcc_32", F.MFCC_32)):
        fn = tf.function(lambda a, s=spec: F.features(a, s))
        out[key] = time_calls(lambda: fn(wave).numpy(), runs)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "baseline.json"))
    ap.add_argument("--networks", default="")
    args = ap.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    manifest = json.loads((ROOT / "weights" / "manifest.json").read_text())
    wanted = [n for n in args.networks.split(",") if n]
    rows = []
    for entry in manifest["networks"]:
        if wanted and entry["name"] not in wanted:
            continue
        rows.append(bench_network(entry["name"], entry, args.runs))
        print(f"{entry['name']}: xnnpack p50 {rows[-1]['xnnpack']['p50']:.0f} us, "
              f"builtin p50 {rows[-1]['builtin']['p50']:.0f} us", flush=True)
    feats = bench_features(args.runs)
    print("features (tf.function) p50 us:", {k: round(v["p50"]) for k, v in feats.items()})
    result = {"machine": platform.processor() or platform.machine(), "threads": 1, "runs": args.runs,
              "litert": __import__("ai_edge_litert").__version__ if hasattr(__import__("ai_edge_litert"), "__version__") else "2.3.0",
              "tensorflow": tf.__version__, "networks": rows, "features": feats,
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
