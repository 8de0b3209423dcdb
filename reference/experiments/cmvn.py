"""Exploratory experiment (not part of the committed recipe): per-utterance mean/variance normalisation of
the input features (each feature row normalised over time: cepstral mean and variance normalisation for
MFCC, per-frequency for the STFT), training little and big with the committed recipe otherwise, and their
validation accuracy (val, val_xeng, pooled) against the committed weights. Never touches the test split.

python reference/experiments/cmvn.py DATA_DIR OUT_DIR [little big ...]

Question it answers: does removing per-utterance level and spread (what differs most between synthesisers
and channels) help on the unseen synthesiser (val_xeng)? Rule fixed before running: worth building into
the Swift side and retraining all seven only if pooled validation gains at least 1 point on both little and
big. Outcome (README, "A third experiment"): little +5.1 points pooled, big -1.6; the rule fails on big.
To ship it as part of a model: train_all.py --recipe cmvn (a Keras LayerNormalization first, which the
Swift runtime runs)."""
import json
import pathlib
import sys

import numpy as np
import tensorflow as tf

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from kws_ref import train as T  # noqa: E402


def cmvn(x, eps=1e-3):
    """x: (n, time, features, 1) -> each (clip, feature) standardised over time."""
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    return ((x - mean) / std).astype(np.float32)


def main():
    data, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    names = sys.argv[3:] or ["little", "big"]
    tf.config.threading.set_intra_op_parallelism_threads(1)     # one core a job, as train_all.py --jobs 2
    tf.config.threading.set_inter_op_parallelism_threads(1)
    cache = out / "cache"
    raw = T.cached_features
    T.cached_features = lambda c, d, s, spec: cmvn(raw(c, d, s, spec))
    results = {}
    for name in names:
        model, info = T.train(name, data, cache, out / "models", log=lambda m: print(m, flush=True))
        spec = T.CONFIGS[name]["spec"]
        row = {}
        for split in ("val", "val_xeng"):
            x = T.cached_features(cache, data, split, spec)
            y = T.split_labels(data, split)
            row[split] = float(np.mean(np.argmax(model.predict(x, verbose=0), -1) == y))
        row["pooled"] = (row["val"] * 800 + row["val_xeng"] * 400) / 1200
        results[name] = row
        print(name, json.dumps(row), flush=True)
        (out / "cmvn_results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
