"""Swift against TFLite (LiteRT) + XNNPACK, side by side in one run, single-threaded. Called by bench/run.sh,
which builds kws-bench, kws-native and bench/malloc_count.so first.

For every network of weights/manifest.json whose .h5 exists, in alternating blocks (TFLite then Swift in
even rounds, Swift then TFLite in odd ones), on the same clip's features:
  network      Swift Network.predict vs LiteRT invoke (XNNPACK, num_threads=1); p50/p90, ratio, GFLOP/s,
               share of the measured FMA peak; LiteRT without XNNPACK once for reference; per-block times
  features     Swift FeatureExtractor vs tf.signal in a tf.function (STFT 64×64, MFCC 10, MFCC 32)
  end_to_end   WAV bytes in memory → label: Swift decode + features + network vs a tf.function
               (decode_wav + features) feeding LiteRT + XNNPACK
  allocations  heap allocations per call in steady state (malloc_count.so preloaded into a second kws-bench)
  cold_start   wall time of `kws-native infer CLIP --model M` vs `python bench/infer_litert.py CLIP --model M`

Writes bench/results.json and prints a markdown table. Ratios are Swift p50 ÷ TFLite+XNNPACK p50.
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "reference"))

import tensorflow as tf  # noqa: E402

from bench_tflite import ensure_tflite, interpreter, percentiles  # noqa: E402
from kws_ref import features as F  # noqa: E402

FEATURE_KEYS = {("stft", None): "stft_64x64", ("mfcc", 10): "mfcc_10", ("mfcc", 32): "mfcc_32"}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


class SwiftBench:
    """A kws-bench process: one command line in, one JSON line out."""

    def __init__(self, binary, env_extra=None):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **(env_extra or {}))
        self.proc = subprocess.Popen([str(binary), "--weights", str(ROOT / "weights")], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, *words):
        self.proc.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"kws-bench exited (status {self.proc.poll()}) on: {' '.join(map(str, words))}")
        answer = json.loads(line)
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"kws-bench: {answer['error']}")
        return answer

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=30)


def time_block(fn, runs, warmup=20):
    for _ in range(warmup):
        fn()
    out = np.empty(runs)
    for i in range(runs):
        t = time.perf_counter_ns()
        fn()
        out[i] = (time.perf_counter_ns() - t) / 1000
    return out.tolist()


def runs_for(fn, budget_us, lo=50, hi=3000):
    """How many calls of fn fit in budget_us (from a short probe)."""
    probe = time_block(fn, 10, warmup=5)
    return int(min(hi, max(lo, budget_us / max(statistics.median(probe), 1.0))))


def short_blocks(fn, args, share=1.0, hi=3000, warm_most=20):
    """Runs and warm-up runs per block when the time budget is split over args.rounds short blocks (see
    bench_networks): at least 3 runs a block, at most `warm_most` warm-up runs, never more than the runs."""
    n = runs_for(fn, args.budget_ms * 1000 * share / args.rounds, lo=3, hi=hi)
    return n, min(warm_most, n)


def alternate(rounds, tf_block, swift_block, *more_blocks):
    """rounds × (TFLite block, Swift block[, further blocks]), the order rotated every round (for two sides:
    swapped). Returns the pooled samples of TFLite and Swift, per-round p50s, and the pooled samples of any
    further blocks."""
    blocks = [tf_block, swift_block, *more_blocks]
    pooled = [[] for _ in blocks]
    per_round = []
    for r in range(rounds):
        got = [None] * len(blocks)
        for k in range(len(blocks)):
            i = (r + k) % len(blocks)
            got[i] = blocks[i]()
        for i, g in enumerate(got):
            pooled[i] += g
        per_round.append({"tflite_p50": float(np.percentile(got[0], 50)), "swift_p50": float(np.percentile(got[1], 50)),
                          "more_p50": [float(np.percentile(g, 50)) for g in got[2:]]})
    return (pooled[0], pooled[1], per_round, *pooled[2:])


def feature_key(spec):
    return FEATURE_KEYS.get((spec["kind"], spec.get("coefficients")),
                            f"{spec['kind']}_{spec.get('coefficients', 'x'.join(map(str, spec.get('resize', []))))}")


def machine_info():
    info = {"python": platform.python_version(), "tensorflow": tf.__version__}
    try:
        import importlib.metadata as md
        info["litert"] = md.version("ai-edge-litert")
    except Exception:  # noqa: BLE001 - informational only
        pass
    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        info["cpu"] = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("Model name")), "")
        fam = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("CPU family")), "")
        info["cpu_family"] = fam
        info["cores"] = os.cpu_count()
        info["avx512"] = "avx512f" in cpu
    except FileNotFoundError:
        pass
    info["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE")
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout  # noqa: E731
    info["commit"] = git("rev-parse", "--short", "HEAD").strip()
    status = git("status", "--porcelain", "Sources", "weights").splitlines()  # "XY path": the path from column 3
    info["uncommitted_changes_in"] = sorted({"/".join(l[3:].split("/")[:2]) for l in status if len(l) > 3})
    info["load_average_start"] = os.getloadavg()
    ps = subprocess.run(["ps", "-eo", "pcpu,args"], capture_output=True, text=True).stdout.splitlines()[1:]
    busy = [l.strip() for l in ps if l.strip() and float(l.split()[0]) > 20 and "run_bench.py" not in l]
    info["background_processes_over_20pct_cpu"] = busy
    return info


def keras_layer_costs(name):
    """(MACs, weight count) of every Conv2D / DepthwiseConv2D / Dense layer of weights/<name>.h5, by layer name."""
    import keras
    model = keras.models.load_model(ROOT / "weights" / f"{name}.h5", compile=False)
    costs = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "DepthwiseConv2D", "Dense"):
            continue
        out = layer.output.shape
        if kind == "Dense":
            macs = int(layer.input.shape[-1] * out[-1])
        else:
            per_output = layer.kernel_size[0] * layer.kernel_size[1] * (layer.input.shape[-1] if kind == "Conv2D" else 1)
            macs = int(np.prod(out[1:]) * per_output)
        costs[layer.name] = (macs, int(layer.count_params()))
    return costs


def block_rows(blocks, layer_costs, peak, gbps):
    rows = []
    for b in blocks:
        macs = sum(layer_costs.get(l, (0, 0))[0] for l in b["layers"])
        weights = sum(layer_costs.get(l, (0, 0))[1] for l in b["layers"])
        row = {"layers": b["layers"], "kind": b["kind"], "kernel": b["kernel"], "us": round(b["us"], 2), "macs": macs,
               "weight_bytes": 4 * weights}
        if macs and b["us"] > 0:
            row["gflops"] = round(2 * macs / (b["us"] * 1e3), 1)
            row["peak_share"] = round(row["gflops"] / peak, 3)
            row["weight_gbps"] = round(4 * weights / (b["us"] * 1e3), 1)
            row["bandwidth_share"] = round(row["weight_gbps"] / gbps, 3)
        rows.append(row)
    return rows


def bench_networks(names, manifest, swift, clip, args, peak, gbps, others=()):
    """others: (key, kws-bench) pairs of other builds timed in the same alternation (portable_build,
    baseline_build)."""
    rows = []
    for name in names:
        entry = next(e for e in manifest["networks"] if e["name"] == name)
        log(f"[{name}] converting / loading")
        tfl = ensure_tflite(name)
        x = F.features(F.decode_wav(clip), entry["features"]).numpy()[np.newaxis].astype(np.float32)
        loaded = swift.ask("load", name, clip)
        xnn, builtin = interpreter(tfl, True), interpreter(tfl, False)
        inp, outp = xnn.get_input_details()[0]["index"], xnn.get_output_details()[0]["index"]

        def run_xnn():
            xnn.set_tensor(inp, x)
            xnn.invoke()

        run_xnn()
        tfl_out = xnn.get_tensor(outp)[0].copy()
        # Many short blocks: this shared host's background load comes in bursts of a fraction of a second,
        # and blocks of a few milliseconds a side let both sides sample the same bursts (with 6 blocks of
        # 250 ms the per-round ratios of one run spread from 0.7 to 1.5).
        rounds = args.rounds
        n, warm = short_blocks(run_xnn, args)
        more = [lambda b=b: b.ask("network", name, n, warm)["samples_us"] for _, b in others]
        for _, b in others:
            b.ask("load", name, clip)
        tf_s, sw_s, per_round, *other_s = alternate(
            rounds, lambda: time_block(run_xnn, n, warmup=warm),
            lambda: swift.ask("network", name, n, warm)["samples_us"], *more)
        sw_logits = np.asarray(swift.ask("network", name, 1, 0)["logits"], np.float32)

        def run_builtin():
            builtin.set_tensor(inp, x)
            builtin.invoke()
        builtin_s = time_block(run_builtin, max(20, n // 4), warmup=5)
        blocks = swift.ask("blocks", name, 100)
        kernels = swift.ask("kernels", name, 12, 20)

        macs = entry.get("macs") or loaded["macs"]
        costs = keras_layer_costs(name)
        weight_bytes = 4 * sum(p for _, p in costs.values())
        tq, sq = percentiles(tf_s), percentiles(sw_s)
        gflops = 2 * macs / (sq["p50"] * 1e3)
        rows.append({
            "network": name,
            "swift_us": round(sq["p50"], 2), "swift_p90_us": round(sq["p90"], 2), "swift_p99_us": round(sq["p99"], 2),
            "tflite_us": round(tq["p50"], 2), "tflite_p90_us": round(tq["p90"], 2),
            "ratio": round(sq["p50"] / tq["p50"], 3),
            "ratio_per_round": [round(r["swift_p50"] / r["tflite_p50"], 3) for r in per_round],
            "ratio_median_of_rounds": round(statistics.median(r["swift_p50"] / r["tflite_p50"] for r in per_round), 3),
            "tflite_builtin_us": round(float(np.percentile(builtin_s, 50)), 2),
            "gflops": round(gflops, 1), "tflite_gflops": round(2 * macs / (tq["p50"] * 1e3), 1),
            "peak_share": round(gflops / peak, 3),
            "macs": macs, "swift_planned_macs": loaded["macs"], "params": loaded["params"],
            "sparse_blocks": loaded["sparse_blocks"], "load_ms": round(loaded["load_ms"], 1),
            "runs_per_side": n * rounds, "rounds": rounds,
            "max_abs_diff_vs_tflite": float(np.abs(sw_logits - tfl_out).max()),
            "same_class_as_tflite": bool(sw_logits.argmax() == tfl_out.argmax()),
            "blocks": block_rows(blocks, costs, peak, gbps),
            "dense_kernels": [{"layer": k["layers"][0] if k["layers"] else k["kind"], "chosen": k["chosen"],
                               "us": {n: round(v, 2) for n, v in k["us"].items()}} for k in kernels],
            "weight_mb": round(weight_bytes / 1e6, 2),
            "l3_weight_read_us": round(weight_bytes / (gbps * 1e3), 1),
        })
        for j, ((key, _), samples) in enumerate(zip(others, other_s)):
            q = percentiles(samples)
            rows[-1][key] = {"swift_us": round(q["p50"], 2), "swift_p90_us": round(q["p90"], 2),
                             "ratio": round(q["p50"] / tq["p50"], 3),
                             "vs_native": round(q["p50"] / sq["p50"], 3),
                             "vs_native_per_round": [round(r["more_p50"][j] / r["swift_p50"], 3) for r in per_round]}
        r = rows[-1]
        log(f"[{name}] swift p50 {r['swift_us']} µs, tflite+xnnpack p50 {r['tflite_us']} µs, ratio {r['ratio']}, "
            f"{r['gflops']} GFLOP/s")
    return rows


def bench_features(names, manifest, swift, clip, args):
    out = []
    seen = set()
    wave = F.decode_wav(clip)
    for name in names:
        spec = next(e for e in manifest["networks"] if e["name"] == name)["features"]
        key = feature_key(spec)
        if key in seen:
            continue
        seen.add(key)
        fn = tf.function(lambda a, s=spec: F.features(a, s))

        def run_tf():
            fn(wave).numpy()
        n, warm = short_blocks(run_tf, args)
        tf_s, sw_s, per_round = alternate(args.rounds, lambda: time_block(run_tf, n, warmup=warm),
                                          lambda: swift.ask("features", name, n, warm)["samples_us"])
        tq, sq = percentiles(tf_s), percentiles(sw_s)
        out.append({"features": key, "via_network": name, "swift_us": round(sq["p50"], 2),
                    "swift_p90_us": round(sq["p90"], 2), "tf_function_us": round(tq["p50"], 2),
                    "tf_function_p90_us": round(tq["p90"], 2), "ratio": round(sq["p50"] / tq["p50"], 3),
                    "target_ratio": 0.25, "runs_per_side": n * args.rounds})
        log(f"[features {key}] swift {out[-1]['swift_us']} µs, tf.function {out[-1]['tf_function_us']} µs, "
            f"ratio {out[-1]['ratio']}")
    return out


def bench_end_to_end(names, manifest, swift, clip, args):
    out = []
    contents = tf.constant(pathlib.Path(clip).read_bytes())
    rounds = args.rounds
    for name in names:
        entry = next(e for e in manifest["networks"] if e["name"] == name)
        spec = entry["features"]

        @tf.function
        def wav_to_features(b, s=spec):
            audio, _ = tf.audio.decode_wav(b)
            return F.features(F.pad_or_cut(tf.squeeze(audio, axis=-1)), s)[tf.newaxis]

        it = interpreter(ensure_tflite(name), True)
        inp, outp = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
        last = {}

        def run_py():
            it.set_tensor(inp, wav_to_features(contents).numpy())
            it.invoke()
            last["label"] = int(np.argmax(it.get_tensor(outp)[0]))
        n, warm = short_blocks(run_py, args, share=0.5, hi=1000, warm_most=10)
        swift_labels = []

        def run_swift():
            a = swift.ask("e2e", name, n, warm)
            swift_labels.append(a["label"])
            return a["samples_us"]
        tf_s, sw_s, _ = alternate(rounds, lambda: time_block(run_py, n, warmup=warm), run_swift)
        tq, sq = percentiles(tf_s), percentiles(sw_s)
        out.append({"network": name, "swift_us": round(sq["p50"], 2), "swift_p90_us": round(sq["p90"], 2),
                    "python_litert_us": round(tq["p50"], 2), "python_litert_p90_us": round(tq["p90"], 2),
                    "ratio": round(sq["p50"] / tq["p50"], 3), "target_ratio": 0.5,
                    "same_label": swift_labels[-1] == last["label"], "runs_per_side": n * rounds})
        log(f"[e2e {name}] swift {out[-1]['swift_us']} µs, tf.function+litert {out[-1]['python_litert_us']} µs, "
            f"ratio {out[-1]['ratio']}")
    return out


def bench_allocations(names, binary, malloc_so, clip):
    swift = SwiftBench(binary, {"LD_PRELOAD": str(malloc_so)})
    try:
        rows = []
        for name in names:
            swift.ask("load", name, clip)
            a = swift.ask("allocs", name, 200)
            if not a["counter"]:
                raise RuntimeError(f"{malloc_so} was not preloaded: kws-bench found no kwsbench_malloc_calls")
            rows.append({"network": name, "network_predict": a["network"], "features": a["features"],
                         "end_to_end": a["end_to_end"]})
            log(f"[allocs {name}] predict {a['network']}, features {a['features']}, end to end {a['end_to_end']}")
        return rows
    finally:
        swift.close()


def wall_ms(cmd, env=None):
    t = time.perf_counter_ns()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    ms = (time.perf_counter_ns() - t) / 1e6
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    return ms, p.stdout


def bench_cold_start(names, kws_native, swift_bench, clip, args):
    out = []
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    wall_ms([str(kws_native), "infer", "--help"], env)
    floor_ms = statistics.median(wall_ms([str(kws_native), "infer", "--help"], env)[0] for _ in range(args.cold_runs))
    swift = SwiftBench(swift_bench)
    try:
        load_times = {name: swift.ask("loadtime", name) for name in names}
    finally:
        swift.close()
    for name in names:
        ensure_tflite(name)
        swift_cmd = [str(kws_native), "infer", clip, "--model", name, "--json"]
        py_cmd = [sys.executable, str(HERE / "infer_litert.py"), clip, "--model", name]
        floor_cmd = py_cmd + ["--network-only"]
        wall_ms(swift_cmd, env)  # page cache warm for both sides
        wall_ms(py_cmd, env)
        sw, py, floor, phases, phase_wall = [], [], [], [], []
        labels = {}
        cold_cmd = [str(swift_bench), "--weights", str(ROOT / "weights"), "--cold", name, clip]
        wall_ms(cold_cmd, env)
        for _ in range(args.cold_runs):
            ms, text = wall_ms(cold_cmd, env)
            phase_wall.append(ms)
            phases.append(json.loads(text))
            ms, text = wall_ms(swift_cmd, env)
            sw.append(ms)
            labels["swift"] = json.loads(text.splitlines()[0])["label"]
            ms, text = wall_ms(py_cmd, env)
            py.append(ms)
            labels["python"] = json.loads(text.splitlines()[-1])["label"]
            floor.append(wall_ms(floor_cmd, env)[0])
        row = {"network": name, "kws_native_infer_ms": round(statistics.median(sw), 1),
               "python_litert_ms": round(statistics.median(py), 1),
               "python_litert_network_only_ms": round(statistics.median(floor), 1),
               "ratio": round(statistics.median(sw) / statistics.median(py), 3), "target_ms": 50,
               "kws_native_help_ms": round(floor_ms, 1),
               "network_load_ms": round(load_times[name]["tuned_ms"], 1),
               "network_load_untuned_ms": round(load_times[name]["untuned_ms"], 1),
               "phases_ms": {"what": "kws-bench --cold: the steps of kws-native infer in a fresh process, medians",
                             "process_wall": round(statistics.median(phase_wall), 1),
                             **{k[:-3]: round(statistics.median(p[k] for p in phases), 2)
                                for k in phases[0] if k.endswith("_ms")}},
               "same_label": labels["swift"] == labels["python"], "runs": args.cold_runs}
        out.append(row)
        log(f"[cold {name}] kws-native infer {row['kws_native_infer_ms']} ms, python+litert {row['python_litert_ms']} ms "
            f"(network only {row['python_litert_network_only_ms']} ms); kws-native --help {row['kws_native_help_ms']} ms, "
            f"Network.load {row['network_load_ms']} ms tuned / {row['network_load_untuned_ms']} ms untuned; "
            f"phases {row['phases_ms']}")
    return out


def markdown(res):
    extra = [(k, title) for k, title in (("portable_build", "portable build p50 µs (ratio)"),
                                         ("baseline_build", "baseline build p50 µs (÷ this build)")) if res.get(k)]
    lines = ["| network | Swift p50 µs | Swift p90 µs | TFLite+XNNPACK p50 µs | ratio | Swift GFLOP/s | share of peak | TFLite no XNNPACK µs |"
             + "".join(f" {title} |" for _, title in extra),
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + " ---: |" * len(extra)]
    for r in res["networks"]:
        cells = [f" {r[k]['swift_us']:.0f} ({r[k]['ratio' if k == 'portable_build' else 'vs_native']:.2f}×) |" for k, _ in extra]
        lines.append(f"| {r['network']} | {r['swift_us']:.0f} | {r['swift_p90_us']:.0f} | {r['tflite_us']:.0f} | "
                     f"**{r['ratio']:.2f}×** | {r['gflops']:.0f} | {100 * r['peak_share']:.0f} % | {r['tflite_builtin_us']:.0f} |"
                     + "".join(cells))
    lines += ["", "| network | slowest Swift blocks: layer, kernel, µs, GFLOP/s (share of peak), weight bytes ÷ time |",
              "| --- | --- |"]
    for r in res["networks"]:
        top = sorted(r["blocks"], key=lambda b: -b["us"])[:3]
        cells = "; ".join(f"{b['layers'][0] if b['layers'] else b['kind']} {b['kind']} {b['kernel'].split(' (')[0]} "
                          f"{b['us']:.0f} µs" + (f", {b['gflops']:.0f} ({100 * b['peak_share']:.0f} %), weights "
                                                  f"{b['weight_gbps']:.0f} GB/s" if "gflops" in b else "")
                          for b in top)
        lines.append(f"| {r['network']} | {cells} |")
    sparse_rows = [(r["network"], k) for r in res["networks"] for k in r.get("dense_kernels", [])
                   if any(n.startswith("f32-spmm") for n in k["us"])]
    if sparse_rows:
        lines += ["", "| pruned 1×1 / dense layers: candidate kernels, median µs inside whole inferences (interleaved) | chosen |",
                  "| --- | --- |"]
        for net, k in sparse_rows:
            cells = ", ".join(f"{n} {v:.1f}" for n, v in sorted(k["us"].items(), key=lambda kv: kv[1]))
            lines.append(f"| {net} {k['layer']}: {cells} | {k['chosen']} |")
    lines += ["", "| features | Swift p50 µs | tf.function p50 µs | ratio (target ≤ 0.25) |", "| --- | ---: | ---: | ---: |"]
    for r in res["features"]:
        lines.append(f"| {r['features']} | {r['swift_us']:.0f} | {r['tf_function_us']:.0f} | **{r['ratio']:.2f}×** |")
    lines += ["", "| end to end (wav bytes → label) | Swift p50 µs | tf.function + LiteRT p50 µs | ratio (target ≤ 0.5) |",
              "| --- | ---: | ---: | ---: |"]
    for r in res["end_to_end"]:
        lines.append(f"| {r['network']} | {r['swift_us']:.0f} | {r['python_litert_us']:.0f} | **{r['ratio']:.2f}×** |")
    if res.get("cold_start"):
        lines += ["", "| cold start, one file | `kws-native infer` ms (target < 50) | Python + LiteRT (tf.signal features) ms | "
                  "Python + LiteRT, network only ms | of which: `kws-native infer --help` ms | Network.load tuned / untuned ms |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in res["cold_start"]:
            lines.append(f"| {r['network']} | {r['kws_native_infer_ms']:.0f} | {r['python_litert_ms']:.0f} | "
                         f"{r['python_litert_network_only_ms']:.0f} | {r['kws_native_help_ms']:.0f} | "
                         f"{r['network_load_ms']:.0f} / {r['network_load_untuned_ms']:.0f} |")
    lines += ["", "| heap allocations per call, steady state | predict | features | end to end (incl. WAV decode) |",
              "| --- | ---: | ---: | ---: |"]
    for r in res["allocations"]:
        lines.append(f"| {r['network']} | {r['network_predict']:g} | {r['features']:g} | {r['end_to_end']:g} |")
    lines.append("")
    lines.append(f"Peak: {res['peak']['gflops']:.0f} GFLOP/s ({res['peak']['how']}); read bandwidth from L3 "
                 f"{res['read_bandwidth']['gbps']:.0f} GB/s. Swift built with "
                 f"`{res['build']['swift_flags']}`; one thread each side; load average "
                 f"{res['machine']['load_average_start'][0]:.1f} at start, {res['machine']['load_average_end'][0]:.1f} at end.")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", default="", help="comma-separated subset (default: every network with an .h5)")
    ap.add_argument("--rounds", type=int, default=120,
                    help="alternating TFLite/Swift blocks per measurement (many short blocks, see bench_networks)")
    ap.add_argument("--budget-ms", type=float, default=1500, help="timed milliseconds per side per network")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--cold-networks", default="little,big")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--swift-bench", default=str(ROOT / ".build/release/kws-bench"))
    ap.add_argument("--kws-native", default=str(ROOT / ".build/release/kws-native"))
    ap.add_argument("--malloc-so", default=str(ROOT / ".build/bench/malloc_count.so"))
    ap.add_argument("--portable-bench", default="",
                    help="a kws-bench built without -target-cpu (run.sh --portable): timed beside the native one")
    ap.add_argument("--portable", action="store_true", help=argparse.SUPPRESS)  # consumed by run.sh
    ap.add_argument("--baseline-bench", default="",
                    help="an earlier build's kws-bench (e.g. of the previous commit): timed beside this one, same "
                         "alternation; networks[].baseline_build.vs_native = its p50 / this build's p50"),
    ap.add_argument("--swift-flags", default="-c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib")
    ap.add_argument("--clip", default="", help="WAV clip (default: the first clip of data/test_split.txt)")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args()

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    manifest = json.loads((ROOT / "weights" / "manifest.json").read_text())
    wanted = [n for n in args.networks.split(",") if n]
    names = [e["name"] for e in manifest["networks"] if (ROOT / "weights" / e["file"]).exists()
             and (not wanted or e["name"] in wanted)]
    missing = [e["name"] for e in manifest["networks"] if not (ROOT / "weights" / e["file"]).exists()]
    if missing:
        log(f"warning: no weights for {', '.join(missing)}: not measured")
    clip = args.clip or str(ROOT / "data" / (ROOT / "data" / "test_split.txt").read_text().split()[0])

    info = machine_info()
    started = time.time()
    swift = SwiftBench(args.swift_bench)
    portable = SwiftBench(args.portable_bench) if args.portable_bench else None
    baseline = SwiftBench(args.baseline_bench) if args.baseline_bench else None
    others = [(k, b) for k, b in (("portable_build", portable), ("baseline_build", baseline)) if b]
    try:
        peak = swift.ask("peak")
        log(f"peak (FMA loop): {peak['gflops']:.0f} GFLOP/s")
        bandwidth = swift.ask("bandwidth")
        log(f"L3 read bandwidth: {bandwidth['gbps']:.0f} GB/s")
        nets = bench_networks(names, manifest, swift, clip, args, peak["gflops"], bandwidth["gbps"], others)
        feats = bench_features(names, manifest, swift, clip, args)
        e2e = bench_end_to_end(names, manifest, swift, clip, args)
        peak_end = swift.ask("peak")
        portable_peak = portable.ask("peak")["gflops"] if portable else None
    finally:
        swift.close()
        for _, b in others:
            b.close()
    peak["gflops_start"], peak["gflops_end"] = peak["gflops"], peak_end["gflops"]
    if peak_end["gflops"] > peak["gflops"]:
        log(f"peak at the end: {peak_end['gflops']:.0f} GFLOP/s (higher than at the start: shares recomputed)")
        peak["gflops"] = peak_end["gflops"]
        for r in nets:
            r["peak_share"] = round(r["gflops"] / peak["gflops"], 3)
            for b in r["blocks"]:
                if "gflops" in b:
                    b["peak_share"] = round(b["gflops"] / peak["gflops"], 3)
    allocs = bench_allocations(names, args.swift_bench, args.malloc_so, clip)
    cold_names = [n for n in args.cold_networks.split(",") if n in names]
    cold = [] if args.skip_cold else bench_cold_start(cold_names, args.kws_native, args.swift_bench, clip, args)
    info["load_average_end"] = os.getloadavg()

    res = {
        "what": "Swift (kws-native) against TFLite/LiteRT + XNNPACK, float32, one thread each, alternating blocks "
                "in one run; ratio = Swift p50 / TFLite+XNNPACK p50 (lower is better)",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "seconds": round(time.time() - started),
        "clip": os.path.relpath(clip, ROOT),
        "build": {"swift_flags": f"swift build {args.swift_flags}", "openblas_threads": 1,
                  "tflite": "LiteRT Interpreter, num_threads=1, XNNPACK (OpResolverType.AUTO); builtin = "
                            "BUILTIN_WITHOUT_DEFAULT_DELEGATES", "tf_threads": 1},
        "peak": {"gflops": round(peak["gflops"], 1), "how": peak["loop"] + ", measured at the start and the end; the higher",
                 "gflops_start": round(peak["gflops_start"], 1), "gflops_end": round(peak["gflops_end"], 1)},
        "read_bandwidth": {"gbps": round(bandwidth["gbps"], 1), "how": bandwidth["how"],
                           "note": "blocks[].weight_gbps = the block's weight bytes / its time; l3_weight_read_us = "
                                   "all weights read once at this rate (the floor when weights do not fit in L2)"},
        "portable_build": None if not args.portable_bench else {
            "swift_flags": "swift build -c release (no -target-cpu: generic x86-64, SSE2 only)",
            "fma_loop_gflops": round(portable_peak, 1),
            "note": "per network under networks[].portable_build, timed in the same alternation"},
        "baseline_build": None if not args.baseline_bench else {
            "binary": args.baseline_bench,
            "note": "an earlier build, per network under networks[].baseline_build, timed in the same alternation; "
                    "vs_native > 1: this build is faster"},
        "gflops_note": "2 × the network's MACs (weights/manifest.json, dense count) ÷ Swift p50",
        "machine": info,
        "networks": nets, "features": feats, "end_to_end": e2e,
        "cold_start": cold,
        "allocations_per_inference": max((a["network_predict"] for a in allocs), default=None),
        "allocations": allocs,
    }
    res["summary_markdown"] = markdown(res)
    pathlib.Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    print(res["summary_markdown"])
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
