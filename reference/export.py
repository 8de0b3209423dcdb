"""Step 3: export what the Swift side reads and is checked against.

- data/: the bundled 800-clip test split (WAV files + test_split.txt)
- weights/<name>.h5 (Keras's own files, copied from reference/out/models), weights/manifest.json
- fixtures/<name>.h5: real test inputs with every layer's output
- the Keras-side reference results for Big/Little and cooperative voting, in the manifest

python reference/export.py
"""
import base64
import collections
import io
import json
import pathlib
import shutil
import sys
import zipfile

import keras
import numpy as np
import tensorflow as tf

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from kws_ref import LABELS, SAMPLE_RATE  # noqa: E402
from kws_ref import features as F  # noqa: E402
from kws_ref import fixtures, synth, train, validation  # noqa: E402
from kws_ref.validation import COOP, majority_vote, score_margin, softmax  # noqa: E402

NETWORKS = list(train.CONFIGS)
BUDGET_BYTES = int(4.5 * 2 ** 20)
THETA = 0.35


def macs_of(model):
    """Multiply-accumulates of one inference: convolutions, depthwise convolutions and dense layers."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * c * kh * kw
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * c * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return int(total)


def zip_bytes(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, path.name)
    return len(buf.getvalue())


def senml_request_bytes(payload):
    """Bytes of the SenML request body the little client sends for one clip: a compact JSON array with one
    record whose `vd` is the base64 payload. Sizes are fixed per payload kind (fixed-length clips)."""
    n = {"wav16": 44 + 2 * SAMPLE_RATE, "float32": 4 * SAMPLE_RATE, "mfcc": 4 * 49 * 10}[payload]
    name = {"wav16": "audio", "float32": "audio_f32", "mfcc": "mfcc"}[payload]
    body = json.dumps([{"bn": "kws-native:", "n": name, "vd": base64.b64encode(bytes(n)).decode()}],
                      separators=(",", ":"))
    return len(body.encode())


def big_little(p_little, p_big, labels, payload, theta=THETA, budget=BUDGET_BYTES):
    cost, requests, correct = 0, 0, 0
    size = senml_request_bytes(payload)
    for pl, pb, y in zip(p_little, p_big, labels):
        pred = int(np.argmax(pl))
        if score_margin(pl) < theta and cost + size <= budget:
            cost += size
            requests += 1
            pred = int(np.argmax(pb))
        correct += pred == y
    return {"theta": theta, "budget_mb": 4.5, "budget_bytes": budget, "payload": payload,
            "request_bytes": size, "requests": requests, "bytes_sent": cost,
            "cost_mb": round(cost / 2 ** 20, 4), "accuracy": correct / len(labels)}


def per_voice(pred, labels, rels):
    acc = collections.defaultdict(lambda: [0, 0])
    for p, y, r in zip(pred, labels, rels):
        v = r.split("/")[-1].split("__")[0]
        acc[v][0] += int(p == y)
        acc[v][1] += 1
    return acc


def main():
    out = HERE / "out"
    data_test = out / "data" / "test"
    waves, labels, rels = train.read_split(data_test, "test")

    # Bundled test split.
    data_dir = ROOT / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    for rel in rels:
        (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_test / rel, data_dir / rel)
    (data_dir / "test_split.txt").write_text("\n".join(rels) + "\n")
    synth.write_voices_json(data_dir / "voices.json")

    (ROOT / "weights").mkdir(exist_ok=True)
    (ROOT / "fixtures").mkdir(exist_ok=True)
    entries, probs = [], {}
    feats_cache = {}
    trained = [n for n in NETWORKS if (out / "models" / f"{n}.h5").exists()]
    missing = [n for n in NETWORKS if n not in trained]
    if missing:
        print(f"not trained yet, left out: {missing}", flush=True)
    for name in trained:
        spec = train.CONFIGS[name]["spec"]
        key = json.dumps(spec, sort_keys=True)
        if key not in feats_cache:
            feats_cache[key] = F.batch_features(waves, spec)
        x = feats_cache[key]
        src = out / "models" / f"{name}.h5"
        dst = ROOT / "weights" / f"{name}.h5"
        shutil.copy(src, dst)
        model = keras.models.load_model(dst, compile=False)
        logits = model.predict(x, batch_size=200, verbose=0)
        probs[name] = softmax(logits)
        pred = np.argmax(logits, -1)
        info = json.loads((out / "models" / f"{name}.json").read_text())
        voice_acc = per_voice(pred, labels, rels)
        entries.append({
            "name": name, "file": f"{name}.h5", "labels": LABELS,
            "input_shape": list(model.input_shape[1:]), "features": spec,
            "params": int(model.count_params()), "macs": macs_of(model),
            "sparsity": round(train.sparsity_of(model), 4), "zip_bytes": zip_bytes(dst),
            "keras_test_accuracy": float(np.mean(pred == labels)),
            "keras_val_accuracy": info["val_accuracy"],
            "keras_test_accuracy_per_voice": {v: round(c / n, 4) for v, (c, n) in sorted(voice_acc.items())},
            "keras_test_predictions": pred.tolist(),
            "training": {k: v for k, v in info.items() if k not in ("history", "name", "val_accuracy", "sparsity")},
        })
        # Fixtures: two real test clips of different words, every layer's output.
        pick = [0, len(rels) // 2 + 1]
        fixtures.write_network_fixture(model, x[pick], ROOT / "fixtures" / f"{name}.h5",
                                       clips=[f"data/{rels[i]}" for i in pick])
        print(f"{name}: test {entries[-1]['keras_test_accuracy']:.4f}", flush=True)

    manifest = {
        "labels": LABELS,
        "data": {"test_split": "data/test_split.txt", "clips": len(rels),
                 "note": "synthetic speech (espeak-ng, flite, Piper), held-out voices; see README"},
        "networks": entries,
    }
    if "little" in probs and "big" in probs:
        bl = {p: big_little(probs["little"], probs["big"], labels, p) for p in ("wav16", "float32", "mfcc")}
        manifest["big_little"] = {"default_payload": "wav16", **bl["wav16"], "by_payload": bl,
                                  "little_accuracy": float(np.mean(np.argmax(probs["little"], -1) == labels)),
                                  "big_accuracy": float(np.mean(np.argmax(probs["big"], -1) == labels))}
        print(json.dumps(bl, indent=1))
    # Validation parts (val: unseen espeak combinations, val_xeng: an unseen synthesiser), where choices are made.
    val = validation.evaluate(out / "models", out / "data", out / "cache", trained)
    validation.record(entries, val)
    if all(m in probs for m in COOP):
        coop_pred = np.array([majority_vote(np.stack([probs[m][i] for m in COOP])) for i in range(len(labels))])
        coop_voice = per_voice(coop_pred, labels, rels)
        manifest["coop"] = {"models": COOP, "accuracy": float(np.mean(coop_pred == labels)),
                            "validation": val.get("coop"),
                            "predictions": coop_pred.tolist(),
                            "accuracy_per_voice": {v: round(c / n, 4) for v, (c, n) in sorted(coop_voice.items())}}
        print("coop accuracy", manifest["coop"]["accuracy"])
    (ROOT / "weights" / "manifest.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
