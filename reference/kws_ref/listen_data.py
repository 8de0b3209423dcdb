"""Training, validation and test sets of the listening variants: the keywords of a split plus two classes
of what is not a keyword, in Speech Commands' convention:

- `_unknown_`: the split's other words (unknown_words/) and one-second crops of the split's LibriSpeech
  speakers (up to LIBRI_CROPS an utterance; read speech may contain a keyword now and then);
- `_silence_`: one-second crops of the split's part of the background noise at a volume U(0, 1), one in ten
  all zeros; SILENCE_SHARE of the keyword count.

The split of every source is kws_ref/negatives.py's. The extra sources live beside the keywords in the data
directory: DATA/_background_noise_/*.wav, DATA/_unknown_/<word>/*.wav|flac, DATA/_librispeech_/*.wav|flac
(reproduce.sh copies them there)."""
import pathlib
import subprocess

import numpy as np
import scipy.io.wavfile as wavfile

from . import LABELS, negatives

LISTEN_LABELS = LABELS + ["_silence_", "_unknown_"]
SILENCE, UNKNOWN = LISTEN_LABELS.index("_silence_"), LISTEN_LABELS.index("_unknown_")
SILENCE_SHARE = 0.1
LIBRI_CROPS = 5
UNKNOWN_DIR, LIBRI_DIR, NOISE_DIR = "_unknown_", "_librispeech_", "_background_noise_"
SPLIT_SEEDS = {"train": 11, "val": 12, "test": 13}


def read_audio(path):
    """float32 mono samples of a 16 kHz WAV or FLAC (FLAC through sox)."""
    path = pathlib.Path(path)
    if path.suffix == ".wav":
        rate, x = wavfile.read(path)
        if rate != 16000 or x.dtype != np.int16 or x.ndim != 1:
            raise ValueError(f"{path}: need 16 kHz 16-bit mono PCM, found {rate} Hz {x.dtype} {x.shape}")
        return x.astype(np.float32) / 32768.0
    raw = subprocess.run(["sox", str(path), "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.int16).astype(np.float32) / 32768.0


def one_second(x):
    out = np.zeros(16000, np.float32)
    out[:min(16000, len(x))] = x[:16000]
    return out


def noise_parts(data_root, split):
    """The split's part (negatives.noise_range) of every DATA/_background_noise_/*.wav, sorted by name, as
    float32 arrays; an error if there is none."""
    d = pathlib.Path(data_root) / NOISE_DIR
    files = sorted(d.glob("*.wav")) if d.is_dir() else []
    if not files:
        raise FileNotFoundError(f"{d}: no background noise WAVs (copy Speech Commands' _background_noise_ there)")
    parts = []
    for f in files:
        x = read_audio(f)
        a, b = negatives.noise_range(len(x), split)
        parts.append(x[a:b])
    return parts


def negative_waves(data_root, split, n_keywords, libri_crops=LIBRI_CROPS, libri_stride=16000):
    """-> (waves (N, 16000), labels (N,)) of the split's _unknown_ and _silence_ examples: up to `libri_crops`
    one-second crops of each LibriSpeech utterance, drawn from the crops `libri_stride` samples apart (None:
    all of them)."""
    root = pathlib.Path(data_root)
    rng = np.random.default_rng(SPLIT_SEEDS[split])
    waves, labels = [], []
    for f in negatives.unknown_words(root / UNKNOWN_DIR, split):
        waves.append(one_second(read_audio(f)))
        labels.append(UNKNOWN)
    for f in negatives.librispeech(root / LIBRI_DIR, split):
        x = read_audio(f)
        starts = np.arange(0, len(x) - 16000, libri_stride)
        for s in rng.permutation(starts)[:libri_crops]:
            waves.append(x[s:s + 16000].copy())
            labels.append(UNKNOWN)
    noise = noise_parts(root, split)
    for i in range(int(round(SILENCE_SHARE * n_keywords))):
        if i % 10 == 0:
            waves.append(np.zeros(16000, np.float32))
        else:
            src = noise[rng.integers(len(noise))]
            s = rng.integers(0, len(src) - 16000)
            waves.append(np.clip(rng.uniform(0, 1) * src[s:s + 16000], -1, 1).astype(np.float32))
        labels.append(SILENCE)
    if not any(l == UNKNOWN for l in labels):
        raise FileNotFoundError(f"{root}: no unknown words or read speech for {split} ({UNKNOWN_DIR}/, {LIBRI_DIR}/)")
    return np.stack(waves), np.array(labels, np.int32)


# Syllable-sized stretches of read speech (the streammfcc_seg recipe): the energy envelope is the RMS of 20 ms
# frames every 10 ms, smoothed over 50 ms; a valley is its minimum over +-50 ms (about one a syllable).
ENVELOPE_FRAME, ENVELOPE_HOP, ENVELOPE_SMOOTH, VALLEY_RADIUS = 320, 160, 5, 5


def energy_valleys(x):
    """Sample positions (frame starts) of the valleys of x's energy envelope, in order."""
    n = max(0, (len(x) - ENVELOPE_FRAME) // ENVELOPE_HOP + 1)
    frames = np.lib.stride_tricks.sliding_window_view(x, ENVELOPE_FRAME)[::ENVELOPE_HOP][:n]
    env = np.convolve(np.sqrt(np.mean(frames.astype(np.float64) ** 2, 1)), np.ones(ENVELOPE_SMOOTH) / ENVELOPE_SMOOTH, "same")
    padded = np.pad(env, VALLEY_RADIUS, constant_values=np.inf)
    lowest = np.lib.stride_tricks.sliding_window_view(padded, 2 * VALLEY_RADIUS + 1).min(1)
    interior = np.zeros(n, bool)
    interior[1:-1] = (env[1:-1] <= env[:-2]) & (env[1:-1] < env[2:])
    return np.flatnonzero(interior & (env == lowest)) * ENVELOPE_HOP


def speech_segments(x, count, rng, min_s=0.25, max_s=0.9, most_syllables=4, fade=160):
    """Up to `count` stretches of x from one energy valley to another, one to `most_syllables` valleys apart and
    min_s..max_s long (drawn without replacement), each faded in and out over `fade` samples and placed at a
    random offset in a second of silence. -> (waves (k, 16000), [(start, stop)] in x)."""
    v = energy_valleys(x)
    spans = [(int(v[i]), int(v[j])) for i in range(len(v)) for j in range(i + 1, min(len(v), i + most_syllables + 1))
             if min_s * 16000 <= v[j] - v[i] <= max_s * 16000]
    chosen = sorted(rng.permutation(len(spans))[:count])
    ramp = np.sin(np.linspace(0, np.pi / 2, fade, dtype=np.float32)) ** 2
    waves = np.zeros((len(chosen), 16000), np.float32)
    for row, k in enumerate(chosen):
        a, b = spans[k]
        piece = x[a:b].astype(np.float32).copy()
        piece[:fade] *= ramp
        piece[-fade:] *= ramp[::-1]
        at = int(rng.integers(0, 16000 - len(piece) + 1))
        waves[row, at:at + len(piece)] = piece
    return waves, [spans[k] for k in chosen]


def librispeech_segments(data_root, split, per_utterance, seed):
    """speech_segments of every LibriSpeech utterance of the split, `per_utterance` each: isolated,
    word-sized sounds of many words and speakers, for `_unknown_` (read speech may hold a keyword now and
    then, as the one-second crops may). -> waves (N, 16000)."""
    rng = np.random.default_rng(seed)
    files = negatives.librispeech(pathlib.Path(data_root) / LIBRI_DIR, split)
    if not files:
        raise FileNotFoundError(f"{data_root}: no LibriSpeech utterances for {split} ({LIBRI_DIR}/)")
    return np.concatenate([speech_segments(read_audio(f), per_utterance, rng)[0] for f in files])


# Other words for synthetic `_unknown_` examples (the streamsynth recipe): the other-word vocabulary of
# unknown_words/ and forty common words of a home, none a keyword or a keyword's homophone ("know", "write").
SYNTH_UNKNOWN_WORDS = [
    "bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin", "nine", "off", "on", "one",
    "seven", "sheila", "six", "three", "tree", "two", "wow", "zero",
    "hello", "please", "thanks", "music", "light", "door", "open", "close", "start", "play", "next", "back", "home",
    "time", "morning", "night", "coffee", "radio", "window", "kitchen", "water", "phone", "help", "yellow", "blue",
    "green", "red", "lamp", "table", "paper", "money", "friend", "little", "fast", "slow", "again", "maybe", "today",
]
SYNTH_PER_WORD = 30


def synthetic_unknown_waves(per_word=SYNTH_PER_WORD, seed=17):
    """-> (waves (N, 16000), labels (N,)): SYNTH_UNKNOWN_WORDS spoken by the synthesiser's training voices
    (kws_ref/synth.py: espeak-ng voice+variant combinations of its train split, and flite's kal, kal16, rms,
    slt), rendered as its training clips are (pseudo-speaker resampling, placement, band limit, noise)."""
    from . import synth
    combos = synth.espeak_combos()["train"]
    flite = [v for v, split in synth.FLITE_SPLIT.items() if split == "train"]
    rng = np.random.default_rng(seed)
    waves = []
    for word in SYNTH_UNKNOWN_WORDS:
        for k in range(per_word):
            if k % 3 == 2:
                rate, raw = synth.synth_flite(word, flite[int(rng.integers(len(flite)))], rng)
            else:
                rate, raw = synth.synth_espeak(word, combos[int(rng.integers(len(combos)))], rng)
            waves.append(synth.render(rate, raw, rng))
    return np.stack(waves), np.full(len(waves), UNKNOWN, np.int32)

