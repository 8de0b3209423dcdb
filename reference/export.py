"""Export what the Swift side reads and is checked against.

- data/: the bundled test split (the real speakers of DATA's test_split.txt, as WAV) with test_split.txt
  and README.md
- weights/<name>.h5 (Keras's own files, copied from reference/out/models), weights/manifest.json
- fixtures/<name>.h5: real test inputs with every layer's output
- the Keras-side reference results in the manifest: per network test accuracy, per-class recall, confusion
  matrix and per-clip predictions, validation accuracy; Big/Little with θ chosen on the validation split;
  cooperative voting against the member the validation split picks as best

python reference/export.py [--data DIR]     DIR: the unpacked real set (default reference/out/real)
"""
import argparse
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
from kws_ref import fixtures, negatives, train, validation  # noqa: E402
from kws_ref.validation import COOP, majority_vote, score_margin, softmax  # noqa: E402

NETWORKS = list(train.CONFIGS)
EIGHT_CLASS = [n for n in NETWORKS if not train.CONFIGS[n].get("listen")]
BUDGET_BYTES = int(4.5 * 2 ** 20)
SEED_THETA = 0.35
THETAS = [round(0.01 * i, 2) for i in range(101)]


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


def big_little(p_little, p_big, labels, payload, theta, budget=BUDGET_BYTES):
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


def choose_theta(p_little, p_big, labels, payload, budget):
    """The θ of THETAS with the highest Big/Little accuracy on these (validation) clips within `budget`; a
    tie goes to the smallest θ, which spends least."""
    return max(THETAS, key=lambda t: (big_little(p_little, p_big, labels, payload, t, budget)["accuracy"], -t))


def confusion(pred, labels, names=LABELS):
    """-> (confusion matrix [truth][predicted] as lists, per-class recall {label: recall})."""
    m = np.zeros((len(names), len(names)), np.int64)
    for p, y in zip(pred, labels):
        m[y, p] += 1
    recall = {names[i]: round(float(m[i, i] / max(1, m[i].sum())), 4) for i in range(len(names))}
    return m.tolist(), recall


DATA_README = """# The bundled test split: real speech

{n} WAV clips (16 kHz, mono, 16-bit) of the eight keywords `down stop right left up yes no go`, spoken by
{speakers} people, laid out like mini_speech_commands (`<label>/<speaker>_nohash_<k>.wav`); `test_split.txt`
lists them in the order every command and the manifest use.

- **Source:** Speech Commands' `mini_speech_commands` excerpt (Pete Warden, "Speech Commands: A public
  dataset for single-word speech recognition", 2017/2018), licensed CC BY 4.0
  (https://creativecommons.org/licenses/by/4.0/). The clips are unchanged (decoded from lossless FLAC
  back to the original WAV bytes). Attribution for everything derived from it: docs/DATA.md.
- **Split:** by speaker (the file-name prefix before `_nohash_`), so no speaker of this split is in the
  training or validation split (`reference/splits/`, checked by `reference/tests/test_splits.py`):
  train 5,616 clips, validation 724, test {n}. Speakers of Speech Commands' own canonical testing
  partition are in none of them.
- Many clips are shorter than one second; like the course, every command zero-pads them to 16,000 samples.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=pathlib.Path, default=HERE / "out" / "real",
                    help="the unpacked real set (DIR/<label>/<clip>.wav and its split files)")
    args = ap.parse_args()
    out = HERE / "out"
    src = args.data
    base, listing = train.split_file(src, "test")
    waves, labels, rels = train.read_split(base, "test", listing)
    cache = out / "cache" / src.name

    # Bundled test split.
    data_dir = ROOT / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    for rel in rels:
        (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(base / rel, data_dir / rel)
    (data_dir / "test_split.txt").write_text("\n".join(rels) + "\n")
    (data_dir / "README.md").write_text(DATA_README.format(n=len(rels), speakers=len({negatives.speaker_of(r) for r in rels})))

    (ROOT / "weights").mkdir(exist_ok=True)
    (ROOT / "fixtures").mkdir(exist_ok=True)
    entries, probs = [], {}
    feats_cache = {}
    trained = [n for n in NETWORKS if (out / "models" / f"{n}.h5").exists()]
    missing = [n for n in NETWORKS if n not in trained]
    if missing:
        print(f"not trained yet, left out: {missing}", flush=True)
    eight = [n for n in trained if n in EIGHT_CLASS]
    val_labels, val_probs = validation.predictions(out / "models", src, cache, eight)
    val = validation.evaluate(out / "models", src, cache, eight, (val_labels, val_probs))
    for name in trained:
        info = json.loads((out / "models" / f"{name}.json").read_text())
        # The features the network was trained on: its recipe's (little-listen's streammfcc recipes hear MFCC-10).
        spec = train.features_of(name, info.get("recipe"))
        key = json.dumps(spec, sort_keys=True)
        if key not in feats_cache:
            feats_cache[key] = F.batch_features(waves, spec)
        x = feats_cache[key]
        dst = ROOT / "weights" / f"{name}.h5"
        shutil.copy(out / "models" / f"{name}.h5", dst)
        model = keras.models.load_model(dst, compile=False)
        logits = model.predict(x, batch_size=200, verbose=0)
        probs[name] = softmax(logits)
        pred = np.argmax(logits, -1)
        names = info.get("labels", LABELS)
        extra = {}
        if train.CONFIGS[name].get("listen"):
            # On the test keywords and the test split's _silence_ and _unknown_ examples together.
            xn, yn = train.negative_features(cache, src, "test", spec)
            pn = np.argmax(model.predict(xn, batch_size=200, verbose=0), -1)
            yall, pall = np.concatenate([labels, yn]), np.concatenate([pred, pn])
            matrix, recall = confusion(pall, yall, names)
            extra["keras_test_with_negatives"] = {"clips": int(len(yall)), "accuracy": float(np.mean(pall == yall)),
                                                  "negatives": int(len(yn))}
        else:
            matrix, recall = confusion(pred, labels, names)
        entries.append({
            "name": name, "file": f"{name}.h5", "labels": names, **extra,
            "input_shape": list(model.input_shape[1:]), "features": spec,
            "params": int(model.count_params()), "macs": macs_of(model),
            "sparsity": round(train.sparsity_of(model), 4), "zip_bytes": zip_bytes(dst),
            "keras_test_accuracy": float(np.mean(pred == labels)),
            "keras_val_accuracy": info["val_accuracy"],
            "keras_test_recall": recall,
            "keras_test_confusion": matrix,
            "keras_test_predictions": pred.tolist(),
            "training": {k: v for k, v in info.items() if k not in ("history", "name", "val_accuracy", "sparsity")},
        })
        # Fixtures: two real test clips of different words, every layer's output (the features of the
        # bundled clips: the test split's first clip and one from its middle).
        pick = [0, len(rels) // 2 + 1]
        fixtures.write_network_fixture(model, x[pick], ROOT / "fixtures" / f"{name}.h5",
                                       clips=[f"data/{rels[i]}" for i in pick])
        print(f"{name}: test {entries[-1]['keras_test_accuracy']:.4f}", flush=True)
    validation.record(entries, val)

    manifest = {
        "labels": LABELS,
        "data": {"test_split": "data/test_split.txt", "clips": len(rels),
                 "speakers": len({negatives.speaker_of(r) for r in rels}),
                 "note": "real speech (Speech Commands mini_speech_commands, CC BY 4.0), speakers disjoint "
                         "from training and validation; see data/README.md"},
        "networks": entries,
    }
    if "little" in probs and "big" in probs:
        # θ is chosen on the validation split, with the test split's budget scaled to its clip count (the
        # same bytes a clip), never on test.
        vl, vb, vy = val_probs["little"]["val"], val_probs["big"]["val"], val_labels["val"]
        val_budget = int(BUDGET_BYTES * len(vy) / len(labels))
        bl = {}
        for p in ("wav16", "float32", "mfcc"):
            theta = choose_theta(vl, vb, vy, p, val_budget)
            bl[p] = big_little(probs["little"], probs["big"], labels, p, theta)
            bl[p]["validation"] = {**big_little(vl, vb, vy, p, theta, val_budget), "clips": int(len(vy))}
            bl[p]["at_seed_theta"] = big_little(probs["little"], probs["big"], labels, p, SEED_THETA)
        # The default payload is chosen on validation too: the highest accuracy, then the fewest bytes.
        default = max(bl, key=lambda p: (bl[p]["validation"]["accuracy"], -bl[p]["request_bytes"]))
        manifest["big_little"] = {"default_payload": default, **bl[default], "by_payload": bl,
                                  "theta_chosen_on": "val",
                                  "little_accuracy": float(np.mean(np.argmax(probs["little"], -1) == labels)),
                                  "big_accuracy": float(np.mean(np.argmax(probs["big"], -1) == labels))}
        print(json.dumps(bl, indent=1))
    if all(m in probs for m in COOP):
        coop_pred = np.array([majority_vote(np.stack([probs[m][i] for m in COOP])) for i in range(len(labels))])
        matrix, recall = confusion(coop_pred, labels)
        best_val = max(COOP, key=lambda m: (val["networks"][m]["pooled"], -COOP.index(m)))
        manifest["coop"] = {"models": COOP, "accuracy": float(np.mean(coop_pred == labels)),
                            "validation": val.get("coop"),
                            "best_member_on_val": best_val,
                            "best_member_on_val_test_accuracy": float(np.mean(np.argmax(probs[best_val], -1) == labels)),
                            "recall": recall, "confusion": matrix,
                            "predictions": coop_pred.tolist()}
        print("coop accuracy", manifest["coop"]["accuracy"], "val-best member", best_val)
    (ROOT / "weights" / "manifest.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
