"""Detector variants replayed on recorded stream scores (docs/LISTENING.md, "rejecting by the _unknown_ score").

    kws-native listen-eval streams/val --save-scores scores/val
    python3 reference/detector_variants.py streams/val scores/val [--model little-listen]

For every variant, the best recall (a detection of the right label within 2 s after a keyword starts) at
no more than 1, 2, 3, 4, 5, 6, 8, 10, 15 and 20 false alarms an hour on the keyword-free streams, over its
thresholds: RecognizeCommands' averaged probability at several windows, the probability minus a weight times
the averaged _unknown_ probability (what `listen` ships), and the variants that did not help. The scoring is
kws-native's (StreamScore) written again in numpy; the plain average at 500 ms reproduces `listen-eval`'s
numbers. Offline analysis only: choose on validation streams."""
import argparse
import json
import pathlib

import numpy as np

from kws_ref.negatives import speaker_of

LABELS = ["down", "stop", "right", "left", "up", "yes", "no", "go", "_silence_", "_unknown_"]
SILENCE, UNKNOWN, KEYWORDS = 8, 9, 8
HOP_MS, SUPPRESSION_MS, MIN_COUNT = 40, 1500, 3
LIMITS = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20]
# listen-eval's thresholds (ListenEval.thresholds): what `listen --threshold` can be set to.
LISTEN_THRESHOLDS = np.array([i / 100 for i in range(5, 100)] + [i / 1000 for i in range(991, 1000)], np.float32)


def load(streams, scores, model):
    out = []
    for truth_path in sorted(pathlib.Path(streams).glob("*.json")):
        truth = json.loads(truth_path.read_text())
        if "kind" not in truth:
            continue                      # index.json
        s = np.fromfile(pathlib.Path(scores) / f"{truth_path.stem}.{model}.f32", np.float32).reshape(-1, len(LABELS))
        out.append((truth, s))
    return out


def smooth(s, window_ms):
    """The averages of the results of the last window_ms (inclusive), and whether MIN_COUNT are in it."""
    n = window_ms // HOP_MS + 1
    c = np.cumsum(np.vstack([np.zeros((1, s.shape[1])), s]), 0)
    i = np.arange(len(s))
    lo = np.maximum(0, i + 1 - n)
    return (c[i + 1] - c[lo]) / (i + 1 - lo)[:, None], (i + 1 - lo) >= MIN_COUNT


def detections(avg, valid, score, threshold, delay_hops=0, allowed=None):
    top = np.argmax(avg, 1)
    fire = valid & (top < KEYWORDS) & (score(avg, top) >= threshold)
    if allowed is not None:
        fire &= allowed(top)
    out, last = [], None
    for i in np.where(fire)[0]:
        t = (i + 1 + delay_hops) * HOP_MS
        if last is None or t - last >= SUPPRESSION_MS:
            last = t
            out.append((LABELS[top[i]], t / 1000))
    return out


def found_keywords(keywords, d):
    """Per keyword, whether a detection finds it: the first not yet used of its label within 2 s after it
    starts (StreamScore.matches)."""
    used = [False] * len(d)
    out = []
    for k in keywords:
        hit = next((j for j, (label, t) in enumerate(d)
                    if not used[j] and label == k["label"] and k["start_s"] <= t <= k["start_s"] + 2), None)
        if hit is not None:
            used[hit] = True
        out.append(hit is not None)
    return out


def score_streams(streams, dets):
    keywords = found = false_alarms = 0
    free_s = 0.0
    for (truth, _), d in zip(streams, dets):
        if truth["kind"] == "keywords":
            hits = found_keywords(truth["keywords"], d)
            keywords += len(hits)
            found += sum(hits)
        elif truth["kind"] in ("noise", "silence", "unknown"):
            free_s += truth["duration_s"]
            false_alarms += len(d)
    return found / keywords, false_alarms * 3600 / free_s


def curve(streams, prepare, thresholds):
    """Best recall at each limit; prepare(s) -> (avg, valid, score, delay_hops, allowed)."""
    prepared = [prepare(s) for _, s in streams]
    points = [score_streams(streams, [detections(a, v, sc, th, d, al) for a, v, sc, d, al in prepared]) for th in thresholds]
    return [max([r for r, f in points if f <= limit] or [0.0]) for limit in LIMITS]


def outcomes(streams, dets):
    """Per keyword whether it was found (score_streams' matching), and the false alarms of every stretch of
    keyword-free audio: each other word of an unknown-word stream owns the audio from its start to the next
    one's, a noise or silence stream is one stretch. -> (found, stretches as (false alarms, seconds))."""
    found, stretches = [], []
    for (truth, _), d in zip(streams, dets):
        if truth["kind"] == "keywords":
            found += found_keywords(truth["keywords"], d)
        elif truth["kind"] == "unknown":
            starts = [n["start_s"] for n in truth["negatives"]]
            bounds = [0.0] + starts[1:] + [truth["duration_s"]]
            fas = np.zeros(len(starts), int)
            for _, t in d:
                fas[max(0, np.searchsorted(starts, t, side="right") - 1)] += 1
            stretches += [(int(f), hi - lo) for f, lo, hi in zip(fas, bounds[:-1], bounds[1:])]
        elif truth["kind"] in ("noise", "silence"):
            stretches.append((len(d), truth["duration_s"]))
    return np.array(found), np.array(stretches, float).reshape(-1, 2)


def clusters(streams):
    """The units a bootstrap draws, in outcomes' order: keywords by speaker; other words by speaker (the
    three gains of one recording, and one speaker's words, are not independent); each noise or silence stream
    alone. -> (keyword cluster ids, stretch cluster ids, whether a stretch cluster is an other word's)."""
    kw, st, names = [], [], {}
    for i, (truth, _) in enumerate(streams):
        if truth["kind"] == "keywords":
            kw += [names.setdefault(("k", speaker_of(k["source"])), len(names)) for k in truth["keywords"]]
        elif truth["kind"] == "unknown":
            st += [names.setdefault(("u", speaker_of(n["source"])), len(names)) for n in truth["negatives"]]
        elif truth["kind"] in ("noise", "silence"):
            st.append(names.setdefault(("s", i), len(names)))
    kinds = {i: key[0] for key, i in names.items()}
    return np.array(kw), np.array(st), kinds


def bootstrap(streams, prepare, thresholds, limit, replicates, seed=20):
    """Best recall at <= limit false alarms/h (the point estimate) and its replicates under a stratified
    cluster bootstrap: keyword speakers, other-word speakers and noise/silence streams each drawn again
    with replacement, the curve's threshold chosen anew in every replicate."""
    prepared = [prepare(s) for _, s in streams]
    per = [outcomes(streams, [detections(a, v, sc, th, d, al) for a, v, sc, d, al in prepared]) for th in thresholds]
    found = np.stack([f for f, _ in per]).astype(float)          # (thresholds, keywords)
    fa = np.stack([s[:, 0] for _, s in per])                     # (thresholds, stretches)
    seconds = per[0][1][:, 1]
    kw, st, kinds = clusters(streams)

    def best(wk, ws):
        recall = found @ wk / wk.sum()
        rate = fa @ ws * 3600 / (seconds @ ws)
        ok = rate <= limit
        return recall[ok].max() if ok.any() else 0.0

    rng = np.random.default_rng(seed)
    strata = {kind: np.array(sorted({c for c, k in kinds.items() if k == kind})) for kind in ("k", "u", "s")}
    out = []
    for _ in range(replicates):
        times = np.zeros(len(kinds))
        for ids in strata.values():
            if len(ids):
                np.add.at(times, rng.choice(ids, len(ids)), 1)
        out.append(best(times[kw], times[st]))
    return best(np.ones(len(kw)), np.ones(len(st))), np.array(out)


def top_score(a, top):
    return a[np.arange(len(a)), top]


def variants():
    plain = np.arange(0.05, 1.0, 0.005)
    wide = np.arange(-0.5, 1.0, 0.005)
    for w in (120, 200, 280, 400, 500, 750):
        yield f"average {w} ms", plain, lambda s, w=w: (*smooth(s, w), top_score, 0, None)
    for w in (280, 500, 750):
        for weight in (0.5, 1.0, 1.5, 2.0):
            yield (f"average {w} ms - {weight} x unknown", wide,
                   lambda s, w=w, k=weight: (*smooth(s, w), lambda a, t: top_score(a, t) - k * a[:, UNKNOWN], 0, None))
    yield ("average 500 ms - unknown - silence", wide,
           lambda s: (*smooth(s, 500), lambda a, t: top_score(a, t) - a[:, UNKNOWN] - a[:, SILENCE], 0, None))
    yield ("log-average 500 ms", plain,
           lambda s: (lambda a, v: (np.exp(a), v, top_score, 0, None))(*smooth(np.log(np.maximum(s, 1e-6)), 500)))
    yield ("average 500 ms - runner-up", wide,
           lambda s: (*smooth(s, 500), lambda a, t: top_score(a, t) - np.sort(a, 1)[:, -2], 0, None))

    def lookahead(s, ms):
        a, v = smooth(s, 500)
        n = ms // HOP_MS
        u = np.concatenate([a[:, UNKNOWN], np.full(n, a[-1, UNKNOWN])])
        future = np.lib.stride_tricks.sliding_window_view(u, n + 1).max(1)
        return a, v, lambda a_, t: top_score(a_, t) - 2 * future, n, None
    for ms in (120, 240, 400):
        yield f"average 500 ms - 2 x largest unknown in the next {ms} ms", wide, lambda s, ms=ms: lookahead(s, ms)

    def quota(s, share):
        a, v = smooth(s, 500)
        tops, _ = smooth(np.eye(len(LABELS))[np.argmax(s, 1)], 500)
        return a, v, lambda a_, t: top_score(a_, t) - 2 * a_[:, UNKNOWN], 0, lambda t: tops[np.arange(len(t)), t] >= share
    for share in (0.5, 0.7, 0.9):
        yield f"as shipped, keyword the top of >= {share:.0%} of the hops", wide, lambda s, share=share: quota(s, share)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("streams", help="the streams' directory (NAME.json truth files)")
    ap.add_argument("scores", help="listen-eval --save-scores DIR")
    ap.add_argument("--model", default="little-listen")
    ap.add_argument("--bootstrap", type=int, metavar="N",
                    help="instead of the variants: the shipped score (--window-ms, --unknown-weight) over listen-eval's "
                         "thresholds with a 95 %% interval from N replicates of a cluster bootstrap, at 2, 5 and 8 "
                         "false alarms/h (listen-eval prints the same interval at --max-fa-per-hour)")
    ap.add_argument("--against", metavar="SCORES2",
                    help="with --bootstrap: also another network's scores on the same streams, drawn with the same "
                         "replicates (a paired interval of the difference, this minus that)")
    ap.add_argument("--window-ms", type=int, default=1000)
    ap.add_argument("--unknown-weight", type=float, default=2.0)
    ap.add_argument("--against-window-ms", type=int, help="--against's window (default: --window-ms)")
    ap.add_argument("--against-unknown-weight", type=float, help="--against's weight (default: --unknown-weight)")
    args = ap.parse_args()
    streams = load(args.streams, args.scores, args.model)
    if args.bootstrap:
        def shipped_score(w, k):
            return lambda s: (*smooth(s, w), lambda a, t: top_score(a, t) - k * a[:, UNKNOWN], 0, None)
        prepare = shipped_score(args.window_ms, args.unknown_weight)
        prepare_other = shipped_score(args.against_window_ms or args.window_ms,
                                      args.unknown_weight if args.against_unknown_weight is None else args.against_unknown_weight)
        for limit in (2, 5, 8):
            thresholds = LISTEN_THRESHOLDS         # listen-eval's, so that its interval is this one
            point, reps = bootstrap(streams, prepare, thresholds, limit, args.bootstrap)
            lo, hi = np.percentile(reps, [2.5, 97.5])
            line = (f"best recall at <= {limit} false alarms/h: {100 * point:.1f} % "
                    f"(95 % interval {100 * lo:.1f}-{100 * hi:.1f} %, {args.bootstrap} replicates)")
            if args.against:                # the same seed and strata: the same draws, so the pairs are paired
                other, other_reps = bootstrap(load(args.streams, args.against, args.model), prepare_other, thresholds,
                                              limit, args.bootstrap)
                lo, hi = np.percentile(reps - other_reps, [2.5, 97.5])
                line += (f"; against {other * 100:.1f} %: difference {100 * (point - other):+.1f} points "
                         f"(95 % interval {100 * lo:+.1f} to {100 * hi:+.1f})")
            print(line, flush=True)
        return
    print(f"{'best recall (%) at <= N false alarms/h':58s}" + "".join(f"{n:>6d}" for n in LIMITS))
    for name, thresholds, prepare in variants():
        print(f"{name:58s}" + "".join(f"{100 * r:6.1f}" for r in curve(streams, prepare, thresholds)), flush=True)


if __name__ == "__main__":
    main()
