"""detector_variants.py's replay, against naive loops and hand-made streams."""
import json

import numpy as np

import detector_variants as dv


def test_smooth_is_the_average_of_the_results_of_the_last_window():
    rng = np.random.default_rng(3)
    s = rng.random((40, len(dv.LABELS))).astype(np.float32)
    avg, valid = dv.smooth(s, 200)
    for i in range(len(s)):
        t = (i + 1) * dv.HOP_MS
        rows = [j for j in range(i + 1) if (j + 1) * dv.HOP_MS >= t - 200]
        assert np.allclose(avg[i], s[rows].mean(0), atol=1e-6)
        assert valid[i] == (len(rows) >= dv.MIN_COUNT)


def _one_hot_run(n_before, label, n, n_after, p=0.9):
    rows = []
    for cls, count in ((dv.SILENCE, n_before), (dv.LABELS.index(label), n), (dv.SILENCE, n_after)):
        row = np.full(len(dv.LABELS), (1 - p) / (len(dv.LABELS) - 1), np.float32)
        row[cls] = p
        rows += [row] * count
    return np.stack(rows)


def test_a_keyword_is_found_once_and_silence_gives_no_false_alarm(tmp_path):
    keyword = _one_hot_run(25, "yes", 20, 25)          # "yes" heard from 1.0 s to 1.8 s
    silence = _one_hot_run(50, "yes", 0, 0)
    streams = [({"kind": "keywords", "keywords": [{"label": "yes", "start_s": 0.9, "end_s": 1.9}], "duration_s": 2.8}, keyword),
               ({"kind": "silence", "keywords": [], "duration_s": 2.0}, silence)]
    for (truth, s), name in zip(streams, ("keywords_00", "silence_digital")):
        (tmp_path / f"{name}.json").write_text(json.dumps(truth))
        s.astype("<f4").tofile(tmp_path / f"{name}.little-listen.f32")
    loaded = dv.load(tmp_path, tmp_path, "little-listen")
    assert [t["kind"] for t, _ in loaded] == ["keywords", "silence"]
    assert np.array_equal(loaded[0][1], keyword)
    dets = [dv.detections(*dv.smooth(s, 500), dv.top_score, 0.5) for _, s in loaded]
    assert [label for label, _ in dets[0]] == ["yes"] and dets[1] == []
    assert dv.score_streams(loaded, dets) == (1.0, 0.0)
    # The weighted score: with "yes" at 0.5 and _unknown_ at 0.3 the keyword scores 0.5 - 2 x 0.3 < 0.
    doubtful = keyword.copy()
    doubtful[25:45] = 0.2 / 8
    doubtful[25:45, dv.LABELS.index("yes")] = 0.5
    doubtful[25:45, dv.UNKNOWN] = 0.3
    weighted = lambda a, t: dv.top_score(a, t) - 2 * a[:, dv.UNKNOWN]
    assert dv.detections(*dv.smooth(doubtful, 500), dv.top_score, 0.4) != []
    assert dv.detections(*dv.smooth(doubtful, 500), weighted, 0.01) == []


def _made_streams(rng):
    """Two keyword streams, an unknown-word stream and a noise stream with random probabilities and truth."""
    streams = []
    for n in range(2):
        keywords = [{"label": dv.LABELS[rng.integers(8)], "start_s": 2.0 + 4 * i, "end_s": 3.0 + 4 * i,
                     "source": f"spk{rng.integers(4)}_nohash_{i}.wav"} for i in range(6)]
        streams.append(({"kind": "keywords", "keywords": keywords, "duration_s": 26.0}, None))
    negatives = [{"kind": "unknown", "source": f"off/spk{i % 3}_nohash_0.flac", "start_s": 0.5 + 2.5 * i,
                  "end_s": 1.5 + 2.5 * i} for i in range(8)]
    streams.append(({"kind": "unknown", "keywords": [], "negatives": negatives, "duration_s": 21.0}, None))
    streams.append(({"kind": "noise", "keywords": [], "duration_s": 20.0}, None))
    return [(t, rng.dirichlet(np.full(len(dv.LABELS), 0.2), int(t["duration_s"] * 25)).astype(np.float32))
            for t, _ in streams]


def test_outcomes_add_up_to_score_streams_and_the_bootstrap_point_is_the_curve():
    rng = np.random.default_rng(5)
    streams = _made_streams(rng)
    prepare = lambda s: (*dv.smooth(s, 120), dv.top_score, 0, None)
    thresholds = np.arange(0.3, 0.9, 0.02)
    for th in thresholds:
        dets = [dv.detections(*dv.smooth(s, 120), dv.top_score, th) for _, s in streams]
        found, stretches = dv.outcomes(streams, dets)
        recall, rate = dv.score_streams(streams, dets)
        assert len(found) == 12 and found.mean() == recall
        assert np.isclose(stretches[:, 0].sum() * 3600 / stretches[:, 1].sum(), rate)
        assert np.isclose(stretches[:, 1].sum(), 41.0)       # every second of keyword-free audio, once
    # Other words by speaker (three), keywords by speaker (at most four), the noise stream alone.
    kw, st, kinds = dv.clusters(streams)
    assert sorted(kinds.values()).count("u") == 3 and sorted(kinds.values()).count("s") == 1
    assert len(set(kw)) <= 4 and len(st) == 9
    for limit in (400, 2000, 10000):
        point, reps = dv.bootstrap(streams, prepare, thresholds, limit, 50)
        naive = max([r for r, f in (dv.score_streams(streams, [dv.detections(*dv.smooth(s, 120), dv.top_score, th)
                                                               for _, s in streams]) for th in thresholds)
                     if f <= limit] or [0.0])
        assert point == naive and len(reps) == 50 and ((0 <= reps) & (reps <= 1)).all()


def test_two_networks_on_the_same_streams_are_drawn_with_the_same_replicates():
    rng = np.random.default_rng(6)
    streams = _made_streams(rng)
    sharper = [(t, s ** 2 / (s ** 2).sum(1, keepdims=True)) for t, s in streams]
    prepare = lambda s: (*dv.smooth(s, 120), dv.top_score, 0, None)
    thresholds = np.arange(0.3, 0.9, 0.02)
    _, a = dv.bootstrap(streams, prepare, thresholds, 2000, 40)
    _, again = dv.bootstrap(streams, prepare, thresholds, 2000, 40)
    _, b = dv.bootstrap(sharper, prepare, thresholds, 2000, 40)
    assert np.array_equal(a, again)               # a replicate is a draw of speakers and streams, not of scores
    # Paired: replicate i of each network counts the same keywords, so their recalls are multiples of the same
    # drawn total and the differences are not those of independent draws.
    kw, _, kinds = dv.clusters(streams)
    totals = []
    draw = np.random.default_rng(20)
    strata = {k: np.array(sorted(c for c, kk in kinds.items() if kk == k)) for k in ("k", "u", "s")}
    for _ in range(40):
        times = np.zeros(len(kinds))
        for ids in strata.values():
            np.add.at(times, draw.choice(ids, len(ids)), 1)
        totals.append(times[kw].sum())
    for x, y, n in zip(a, b, totals):
        assert np.isclose(x * n, round(x * n)) and np.isclose(y * n, round(y * n))
