"""Exploratory experiment (docs/LISTENING.md, "rejecting by distance from the training keywords"): does a
gate on how far a window's embedding lies from its keyword's training clips reject the other words that
the shipped detector fires on?

    python reference/experiments/embedding_gate.py STREAMS SCORES DATA_DIR CACHE [--weights W]

STREAMS: make_streams.py's directory (validation only); SCORES: `listen-eval STREAMS --save-scores SCORES`
of the same network (used to check that this script's windows are listen's, to 1e-4); DATA_DIR: the real
data (training split); CACHE: a training cache holding the split's MFCC-10 features (train.cached_features).

The embedding is a layer's output of little-listen: the 18-wide dense layer before the classifier or the
34-wide pooled map. Each keyword gets the mean of its training clips' embeddings, all keywords one shared
covariance (Lee et al., 2018, "A simple unified framework for detecting out-of-distribution samples");
"relative" subtracts the distance to one Gaussian of every training example (Ren et al., 2021). Per hop the
distance to each keyword's mean is averaged over the detector's window like the probabilities; a detection
fires when the shipped score is at least the threshold *and* the fired keyword's averaged distance is at
most a limit (quantiles of the training clips' own distances to their keyword). Prints, per variant, the
best recall at <= N false alarms/h over thresholds x limits, beside the shipped detector's."""
import argparse
import pathlib
import sys

import numpy as np
import tensorflow as tf

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import detector_variants as D  # noqa: E402
from kws_ref import features as F  # noqa: E402
from kws_ref import train as T  # noqa: E402

WINDOW_MS, WEIGHT = 1000, 2.0                     # the shipped detector (DetectorSettings.listenDefault)
HOP = 640                                          # 40 ms
QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)


def stream_windows(path, spec):
    """Every hop's one-second MFCC window, as `listen` frames it (the stream preceded by a second of zeros;
    window i ends at sample (i + 1) * HOP of the stream)."""
    import scipy.io.wavfile
    rate, pcm = scipy.io.wavfile.read(path)
    assert rate == 16000 and pcm.dtype == np.int16
    x = np.concatenate([np.zeros(16000, np.float32), pcm.astype(np.float32) / 32768.0])
    rows = F.mfcc(tf.constant(x), spec).numpy()                  # frames on the padded stream's grid
    hops = len(pcm) // HOP
    per = HOP // spec["frame_step"]
    frames = F.input_shape(spec)[0]
    idx = per * (np.arange(hops)[:, None] + 1) + np.arange(frames)[None, :]
    return rows[idx][..., None]


def gaussians(emb, labels, keywords):
    means = np.stack([emb[labels == k].mean(0) for k in range(keywords)])
    centred = emb - means[labels]
    precision = np.linalg.pinv(np.cov(centred, rowvar=False))
    mu0 = emb.mean(0)
    precision0 = np.linalg.pinv(np.cov(emb, rowvar=False))
    return means, precision, mu0, precision0


def distances(emb, g, relative):
    means, precision, mu0, precision0 = g
    diff = emb[:, None, :] - means[None]                         # (n, keywords, d)
    d = np.einsum("nkd,de,nke->nk", diff, precision, diff)
    if relative:
        e = emb - mu0
        d = d - np.einsum("nd,de,ne->n", e, precision0, e)[:, None]
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("streams")
    ap.add_argument("scores")
    ap.add_argument("data")
    ap.add_argument("cache")
    ap.add_argument("--weights", default=str(HERE.parents[1] / "weights"))
    args = ap.parse_args()

    model = tf.keras.models.load_model(pathlib.Path(args.weights) / "little-listen.h5", compile=False)
    spec = F.MFCC_10
    x = inp = tf.keras.Input(F.input_shape(spec))              # the Sequential network called layer by layer
    seen = {}
    for layer in model.layers:
        x = seen[layer.name] = layer(x)
    layers = {"dense 18": seen["dense"], "pooled 34": seen["global_average_pooling2d"]}
    probe = tf.keras.Model(inp, [x, *layers.values()])

    x_train = T.cached_features(args.cache, args.data, "train", spec)
    y_train = np.asarray(T.split_labels(args.data, "train"))
    _, *train_emb = probe.predict(x_train, batch_size=1024, verbose=0)
    variants = []
    for (name, emb) in zip(layers, train_emb):
        g = gaussians(emb, y_train, D.KEYWORDS)
        for relative in (False, True):
            own = distances(emb, g, relative)[np.arange(len(emb)), y_train]
            variants.append((f"{name}{' relative' if relative else ''}", name, g, relative, np.quantile(own, QUANTILES)))

    streams = D.load(args.streams, args.scores, "little-listen")
    prepared = []                                                # per stream: avg probs, valid, {variant: avg dist}
    worst = 0.0
    for truth_path, (truth, saved) in zip(sorted(p for p in pathlib.Path(args.streams).glob("*.json")
                                                 if p.name != "index.json"), streams):
        out = probe.predict(stream_windows(truth_path.with_suffix(".wav"), spec), batch_size=2048, verbose=0)
        probs, embs = tf.nn.softmax(out[0]).numpy(), dict(zip(layers, out[1:]))  # the network ends in logits
        worst = max(worst, float(np.abs(probs - saved).max()))
        avg, valid = D.smooth(saved, WINDOW_MS)
        dist = {v[0]: D.smooth(distances(embs[v[1]], v[2], v[3]), WINDOW_MS)[0] for v in variants}
        prepared.append((avg, valid, dist))
    print(f"largest |probability - listen's| over every hop: {worst:.2e}")
    assert worst < 1e-4, "the windows are not listen's"

    thresholds = np.arange(-0.5, 1.0, 0.01)

    def best(gate):
        points = []
        for th in thresholds:
            dets = [D.detections(a, v, lambda a_, t: D.top_score(a_, t) - WEIGHT * a_[:, D.UNKNOWN], th,
                                 allowed=None if gate is None else (lambda t, g=gate(d): g[np.arange(len(t)), t]))
                    for a, v, d in prepared]
            points.append(D.score_streams(streams, dets))
        return [max([r for r, f in points if f <= limit] or [0.0]) for limit in D.LIMITS]

    print(f"{'best recall (%) at <= N false alarms/h':44s}" + "".join(f"{n:>6d}" for n in D.LIMITS))
    print(f"{'shipped (no gate)':44s}" + "".join(f"{100 * r:6.1f}" for r in best(None)), flush=True)
    for name, _, _, _, limits in variants:
        for q, limit in zip(QUANTILES, limits):
            row = best(lambda d, n=name, lim=limit: np.pad(d[n] <= lim, ((0, 0), (0, 2))))
            print(f"{name + f' <= q{q:g} ({limit:.1f})':44s}" + "".join(f"{100 * r:6.1f}" for r in row), flush=True)


if __name__ == "__main__":
    main()
