"""listen_data.energy_valleys and speech_segments (the streammfcc_seg recipe) against naive loops and a made
utterance whose syllables and pauses are known."""
import math

import numpy as np

from kws_ref import listen_data as L


def naive_valleys(x):
    frame, hop, smooth, radius = L.ENVELOPE_FRAME, L.ENVELOPE_HOP, L.ENVELOPE_SMOOTH, L.VALLEY_RADIUS
    n = max(0, (len(x) - frame) // hop + 1)
    rms = [math.sqrt(sum(float(v) ** 2 for v in x[i * hop:i * hop + frame]) / frame) for i in range(n)]
    env = []
    for i in range(n):                    # numpy's "same" convolution: a centred box, zeros beyond the ends
        total = sum(rms[j] for j in range(i - smooth // 2, i + smooth // 2 + 1) if 0 <= j < n)
        env.append(total / smooth)
    out = []
    for i in range(1, n - 1):
        if env[i] <= env[i - 1] and env[i] < env[i + 1]:
            if all(env[i] <= env[j] for j in range(max(0, i - radius), min(n, i + radius + 1))):
                out.append(i * hop)
    return out


def made_utterance(rng):
    """Five 'syllables' (tone bursts with a rising and falling envelope, 180-300 ms) between quiet gaps."""
    parts, bursts, at = [], [], 0
    for k in range(5):
        gap = rng.normal(0, 1e-4, int(rng.integers(1200, 2400))).astype(np.float32)
        n = int(rng.integers(2900, 4800))
        t = np.arange(n) / 16000
        burst = (0.3 * np.sin(np.pi * np.arange(n) / n) * np.sin(2 * np.pi * (200 + 80 * k) * t)).astype(np.float32)
        parts += [gap, burst]
        bursts.append((at + len(gap), at + len(gap) + n))
        at += len(gap) + n
    parts.append(rng.normal(0, 1e-4, 2000).astype(np.float32))
    return np.concatenate(parts), bursts


def test_valleys_are_the_naive_ones_and_fall_in_the_pauses():
    rng = np.random.default_rng(1)
    x, bursts = made_utterance(rng)
    v = L.energy_valleys(x)
    assert list(v) == naive_valleys(x)
    # Between two bursts lies a valley (the envelope's window is 20 ms + 50 ms of smoothing wide, so "in the
    # pause" allows that much either side), and none inside a burst's middle half.
    for (a0, b0), (a1, _) in zip(bursts, bursts[1:]):
        assert any(b0 - 800 <= p + L.ENVELOPE_FRAME // 2 <= a1 + 800 for p in v)
    for a, b in bursts:
        q = (b - a) // 4
        assert not any(a + q <= p + L.ENVELOPE_FRAME // 2 <= b - q for p in v)


def test_segments_are_faded_stretches_between_valleys_alone_in_a_second():
    rng = np.random.default_rng(2)
    x, _ = made_utterance(rng)
    valleys = set(L.energy_valleys(x))
    waves, spans = L.speech_segments(x, 50, np.random.default_rng(3))
    assert waves.shape == (len(spans), 16000) and len(spans) > 0
    assert len(set(spans)) == len(spans)
    for w, (a, b) in zip(waves, spans):
        assert a in valleys and b in valleys and 0.25 * 16000 <= b - a <= 0.9 * 16000
        # The stretch, faded (written out here), equals the window's slice at exactly one offset.
        piece = x[a:b].astype(np.float32).copy()
        ramp = np.sin(np.linspace(0, np.pi / 2, 160, dtype=np.float32)) ** 2
        piece[:160] *= ramp
        piece[-160:] *= ramp[::-1]
        offsets = [o for o in range(0, 16000 - len(piece) + 1) if np.array_equal(w[o:o + len(piece)], piece)]
        assert len(offsets) == 1
        o = offsets[0]
        assert not w[:o].any() and not w[o + len(piece):].any()
        assert np.abs(w[o:o + 160]).max() <= np.abs(x[a:a + 160]).max() + 1e-7


def test_at_most_count_segments_without_repeats():
    rng = np.random.default_rng(4)
    x, _ = made_utterance(rng)
    waves, spans = L.speech_segments(x, 3, np.random.default_rng(5))
    assert len(spans) == 3 and len(set(spans)) == 3 and spans == sorted(spans)
