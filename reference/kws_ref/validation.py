"""Accuracy of a set of trained networks on the validation parts (the real val split; the synthetic
generator's layout also has val_xeng, an unseen synthesiser), pooled, and of cooperative voting. Model choices are made here, never on
the test split."""
import collections
import json
import pathlib

import numpy as np

from . import train

PARTS = ("val", "val_xeng")
COOP = ["coop1", "coop2", "coop3", "coop4", "coop5"]


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def score_margin(p):
    s = np.sort(p, -1)
    return s[..., -1] - s[..., -2]


def majority_vote(probs):
    """probs: (models, classes) -> label. Most votes wins; a tie goes to the tied label predicted by the
    model with the largest score margin (seed section 2.2)."""
    votes = np.argmax(probs, -1)
    counts = collections.Counter(votes.tolist())
    best = max(counts.values())
    tied = sorted(l for l, c in counts.items() if c == best)
    if len(tied) == 1:
        return tied[0]
    margins = score_margin(probs)
    candidates = [m for m in range(len(probs)) if votes[m] in tied]
    winner = max(candidates, key=lambda m: (margins[m], -m))
    return int(votes[winner])


def predictions(models_dir, data_root, cache, names=None):
    """-> (labels {part: class ids}, probs {name: {part: (clips, classes) softmax}}) on the validation parts
    for the networks of models_dir (Keras .h5 files)."""
    import keras
    parts = [p for p in PARTS if train.split_file(data_root, p)]
    labels = {p: train.split_labels(data_root, p) for p in parts}
    names = [n for n in (names or train.CONFIGS) if (pathlib.Path(models_dir) / f"{n}.h5").exists()]
    probs = {}
    for name in names:
        model = keras.models.load_model(pathlib.Path(models_dir) / f"{name}.h5", compile=False)
        spec = train.features_of(name)
        probs[name] = {p: softmax(model.predict(train.cached_features(cache, data_root, p, spec), batch_size=200,
                                                verbose=0)) for p in parts}
    return labels, probs


def pooled(labels, probs):
    """labels {part: class ids}, probs {part: (clips, classes)} -> accuracy over all parts together."""
    return float(np.mean(np.concatenate([np.argmax(probs[p], -1) == labels[p] for p in labels])))


def vote(probs, members=COOP):
    """probs {name: (clips, classes)} -> each clip's majority vote of the members."""
    n = len(probs[members[0]])
    return np.array([majority_vote(np.stack([probs[m][i] for m in members])) for i in range(n)])


def evaluate(models_dir, data_root, cache, names=None, predicted=None):
    """-> {"networks": {name: {part: acc, "pooled": acc}}, "mean_pooled": x, "coop": {...}} for the networks
    of models_dir (Keras .h5 files); `predicted`: predictions() already made for them."""
    labels, probs = predicted or predictions(models_dir, data_root, cache, names)
    parts = list(labels)
    out = {}
    for name in probs:
        row = {p: float(np.mean(np.argmax(probs[name][p], -1) == labels[p])) for p in parts}
        row["pooled"] = pooled(labels, probs[name])
        out[name] = row
    result = {"parts": {p: int(len(labels[p])) for p in parts}, "networks": out,
              "mean_pooled": float(np.mean([r["pooled"] for r in out.values()])) if out else None}
    if all(m in probs for m in COOP):
        coop = {}
        hits = []
        for p in parts:
            pred = vote({m: probs[m][p] for m in COOP})
            coop[p] = float(np.mean(pred == labels[p]))
            hits.append(pred == labels[p])
        coop["pooled"] = float(np.mean(np.concatenate(hits)))
        coop["best_single_pooled"] = max(out[m]["pooled"] for m in COOP)
        result["coop"] = coop
    return result


def record(entries, result):
    """Put a validation result into manifest network entries (keras_validation: val, val_xeng, pooled)."""
    for e in entries:
        if e["name"] in result["networks"]:
            e["keras_validation"] = result["networks"][e["name"]]


def table(result, title):
    lines = [f"{title}: " + ", ".join(f"{p} {n} clips" for p, n in result["parts"].items())]
    for name, row in result["networks"].items():
        lines.append(f"  {name:6s} " + "  ".join(f"{k} {100 * v:6.2f} %" for k, v in row.items()))
    lines.append(f"  mean pooled {100 * result['mean_pooled']:.2f} %")
    if "coop" in result:
        lines.append("  coop vote " + "  ".join(f"{k} {100 * v:6.2f} %" for k, v in result["coop"].items()))
    return "\n".join(lines)
