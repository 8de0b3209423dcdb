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
