"""hard_negatives.mine: on a made stream and a made model, the windows it returns against a naive replay
(features of every one-second window computed on its own, the smoothing as an explicit loop)."""
import numpy as np

from kws_ref import features as F
from kws_ref import hard_negatives as H

LABELS = ["yes", "no", "_silence_", "_unknown_"]


class LoudIsYes:
    """A stand-in network: 'yes' grows with the window's mean first cepstral coefficient (loudness)."""

    def predict(self, x, batch_size=None, verbose=0):
        loud = x[:, :, 0, 0].mean(1)
        logits = np.zeros((len(x), len(LABELS)), np.float32)
        logits[:, 0] = 0.5 * (loud - self.quiet)
        logits[:, 3] = 0.0
        return logits


def test_mined_windows_match_a_naive_replay():
    rng = np.random.default_rng(1)
    stream = (rng.standard_normal(16000 * 8) * 0.001).astype(np.float32)
    t = np.arange(12000) / 16000
    stream[40000:52000] += (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)   # 2.5 s to 3.25 s
    model = LoudIsYes()
    model.quiet = float(F.batch_features(stream[None, :16000], F.MFCC_10)[0, :, 0, 0].mean()) + 3.0
    windows, scores = H.mine(model, LABELS, F.MFCC_10, stream)

    step = H.HOP_FRAMES * F.MFCC_10["frame_step"]
    starts = range(0, len(stream) - 16000 + 1, step)
    x = F.batch_features(np.stack([stream[s:s + 16000] for s in starts]), F.MFCC_10)
    logits = model.predict(x)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    score = []
    for i in range(len(p)):
        avg = p[max(0, i - H.WINDOW_HOPS + 1):i + 1].sum(0) / H.WINDOW_HOPS
        score.append(avg[:2].max() - H.UNKNOWN_WEIGHT * avg[3])
    hot = np.array(score) >= H.MINE_SCORE
    assert hot.any() and not hot.all()                         # the made stream has one loud stretch
    stretches = np.flatnonzero(np.diff(np.concatenate([[0], hot.astype(int), [0]])))
    assert len(windows) == len(stretches) // 2 == 1
    first, end = stretches[0], stretches[1]
    lo = max(0, first - H.WINDOW_HOPS + 1)
    best = lo + int(np.argmax(p[lo:end, :2].max(1)))
    assert np.array_equal(windows[0], stream[best * step:best * step + 16000])
    assert abs(scores[0] - max(score[first:end])) < 1e-3
