"""Hard negatives for the listening variants (the `streammfcc_hard` recipe, docs/LISTENING.md): the
one-second windows of the training split's other words that a listening network, already trained on that
split, comes close to hearing as a keyword.

The training split's other words are laid out as the evaluation streams lay out theirs
(make_streams.unknown_stream: every clip at gains 0.5, 1 and 2, 0.3-1.5 s apart, over the training noise
at RMS 0.002), so that a word is heard at every position of a sliding window, next to its neighbours. The
miner classifies the last second every HOP_FRAMES feature frames and smooths its probabilities as `listen`
does (the mean over WINDOW_HOPS results); wherever the smoothed score (best keyword minus UNKNOWN_WEIGHT x
_unknown_) reaches MINE_SCORE, the window whose keyword probability is highest in that stretch becomes a
hard negative. Only training-split sounds are used; LibriSpeech is left out (read speech holds real "no",
"up" and "go")."""
import numpy as np

from . import features as F
from . import listen_data, negatives
from .validation import softmax

HOP_FRAMES = 2          # 40 ms at MFCC's 20 ms frame step, listen-eval's default hop
WINDOW_HOPS = 25        # 1000 ms, listen's default averaging window for one network
UNKNOWN_WEIGHT = 2.0    # listen's default for one network
MINE_SCORE = 0.15       # half listen's threshold for the miner it was written for (0.30): near misses count too
STREAM_SEED = 31


def training_word_stream(data_root, seed=STREAM_SEED):
    """The training split's other words as one long stream (float32 samples)."""
    files = negatives.unknown_words(f"{data_root}/{listen_data.UNKNOWN_DIR}", "train")
    rng = np.random.default_rng(seed)
    noise = listen_data.noise_parts(data_root, "train")
    words = [listen_data.read_audio(f) for f in files]
    pieces, t = [], 8000
    for gain in (0.5, 1.0, 2.0):
        for i in rng.permutation(len(words)):
            pieces.append((t, words[i] * gain))
            t += len(words[i]) + int(rng.uniform(0.3, 1.5) * 16000)
    src = noise[int(rng.integers(len(noise)))]
    bed = np.resize(src, t).astype(np.float32)
    bed *= 0.002 / max(1e-9, float(np.sqrt(np.mean(np.square(src, dtype=np.float64)))))
    for at, y in pieces:
        bed[at:at + len(y)] += y
    return np.clip(bed, -1, 1).astype(np.float32)


def mine(model, labels, spec, stream):
    """-> (windows (N, 16000), smoothed scores (N,)): the hard windows of `stream` for `model` (Keras,
    logits out) with `labels` (the listening labels) on `spec` features (MFCC: frames of the whole stream
    are computed once; window i starts at sample i x HOP_FRAMES x frame_step)."""
    if spec["kind"] != "mfcc":
        raise ValueError("hard-negative mining streams MFCC frames; STFT recipes are not supported")
    step = spec["frame_step"]
    frames = F.mfcc(stream, spec).numpy()                      # (T, coefficients)
    per_window = F.input_shape(spec)[0]
    starts = np.arange(0, len(frames) - per_window + 1, HOP_FRAMES)

    def windows_at(chunk):
        return np.stack([frames[s:s + per_window] for s in chunk])[..., None]
    p = np.concatenate([softmax(model.predict(windows_at(starts[i:i + 4096]), batch_size=1024, verbose=0))
                        for i in range(0, len(starts), 4096)])
    keyword = [i for i, name in enumerate(labels) if not name.startswith("_")]
    unknown = labels.index("_unknown_")
    kernel = np.ones(WINDOW_HOPS) / WINDOW_HOPS
    smooth = np.stack([np.convolve(p[:, k], kernel)[:len(p)] for k in range(p.shape[1])], 1)
    score = smooth[:, keyword].max(1) - UNKNOWN_WEIGHT * smooth[:, unknown]
    raw = p[:, keyword].max(1)
    # Stretches [i, j) of consecutive hops whose smoothed score reaches MINE_SCORE.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], (score >= MINE_SCORE).astype(np.int8), [0]])))
    windows, scores = [], []
    for i, j in zip(edges[::2], edges[1::2]):
        lo = max(0, i - WINDOW_HOPS + 1)                     # the results the smoothed stretch averaged
        best = lo + int(np.argmax(raw[lo:j]))
        a = starts[best] * step
        windows.append(stream[a:a + 16000])
        scores.append(float(score[i:j].max()))
    if not windows:
        return np.zeros((0, 16000), np.float32), np.zeros(0, np.float32)
    return np.stack(windows).astype(np.float32), np.array(scores, np.float32)
