"""Builds the long evaluation streams of `kws-native listen-eval`, reproducibly, for one split.

    python3 reference/make_streams.py --split val  --out streams/val
    python3 reference/make_streams.py --split test --out streams/test

Every stream is `NAME.wav` (16 kHz mono 16-bit) plus its truth `NAME.json`: `kind`, `duration_s`, `split`,
`keywords` (label, start_s, end_s of each keyword clip placed in it) and `negatives` (what else was put where).
Only the split's own sounds are used: the keywords of `reference/splits/<split>_split.txt`, and the
negatives of `reference/kws_ref/negatives.py`'s split (unknown words and LibriSpeech by speaker, background
noise by time within each file), so test streams hold nothing the networks trained or were tuned on.

Kinds:
- `keywords`: every keyword clip of the split once, in a seeded random order, 60 a stream, at random times:
  2.5-5 s of gap after each clip (so that the 2 s recall windows never overlap), a third of the gaps holding
  an unknown word, over a noise bed (one noise file of the split at one of four levels, silence included).
- `noise`: each noise file's split part at three levels (RMS 0.005, 0.02, 0.08), looped to 2 minutes.
- `silence`: 5 minutes of digital silence and 5 minutes of very quiet white noise (RMS 0.0005).
- `unknown`: the split's unknown words, three passes at gains 0.5, 1 and 2, 0.3-1.5 s apart, over quiet
  noise of the split.
- `speech`: the split's LibriSpeech utterances one after another, 0.5 s apart (reported apart from the false
  alarms: read speech contains "no", "up", "go").

The noise parts of a split are short (10 % of each file: 6-9.5 s), so noise streams repeat them (from random
offsets, with 20 ms fades at the seams): they measure the network on those sounds, not on hours of new noise.
FLAC is decoded with sox. Keyword clips come from `--keywords DIR` (a mini_speech_commands layout of WAV or
FLAC, e.g. main's data/ for the test split) or else from `--data`/mini_speech_commands (FLAC).
"""
import argparse
import hashlib
import json
import pathlib
import subprocess
import sys

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from kws_ref import negatives  # noqa: E402

RATE = 16000
KEYWORDS_PER_STREAM = 60
NOISE_LEVELS = (0.005, 0.02, 0.08)
BED_LEVELS = (0.0, 0.002, 0.006, 0.02)
FADE = int(0.02 * RATE)


def decode(path):
    """Float samples in [-1, 1) of a 16 kHz mono WAV or FLAC (sox, 16-bit)."""
    raw = subprocess.run(["sox", str(path), "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(RATE), "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def keyword_clips(split, data, keywords_dir):
    """[(label, path)] of the split file, from keywords_dir (WAV or FLAC) or data/mini_speech_commands (FLAC)."""
    lines = (pathlib.Path(__file__).resolve().parent / "splits" / f"{split}_split.txt").read_text().split()
    out = []
    for line in lines:
        rel = pathlib.PurePosixPath(line)
        candidates = []
        if keywords_dir:
            candidates += [pathlib.Path(keywords_dir) / rel, pathlib.Path(keywords_dir) / rel.with_suffix(".flac")]
        candidates.append(pathlib.Path(data) / "mini_speech_commands" / rel.with_suffix(".flac"))
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise SystemExit(f"keyword clip {line} not found in {', '.join(map(str, candidates))}")
        out.append((rel.parts[0], path))
    return out


def noise_parts(split, data):
    """{name: samples} of each background-noise file's part for the split."""
    parts = {}
    for path in sorted((pathlib.Path(data) / "background_noise").glob("*.wav")):
        x = decode(path)
        a, b = negatives.noise_range(len(x), split)
        parts[path.stem] = x[a:b]
    return parts


def looped(part, n, rng):
    """n samples of `part` repeated from random offsets, with short fades at the seams."""
    out = np.zeros(n, dtype=np.float32)
    ramp = np.linspace(0, 1, FADE, dtype=np.float32)
    i = 0
    while i < n:
        start = int(rng.integers(0, max(1, len(part) // 2)))
        piece = part[start:].copy()
        piece[:FADE] *= ramp[:len(piece[:FADE])]
        piece[-FADE:] *= ramp[::-1][-len(piece[-FADE:]):]
        m = min(len(piece), n - i)
        out[i:i + m] += piece[:m]
        i += m
    return out


def at_level(x, level):
    r = rms(x)
    return x * (level / r) if r > 0 and level > 0 else x * 0


def write(out_dir, name, samples, truth):
    pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")
    wavfile.write(out_dir / f"{name}.wav", RATE, pcm)
    truth["duration_s"] = round(len(pcm) / RATE, 6)
    (out_dir / f"{name}.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth["duration_s"]


def keyword_streams(split, clips, unknown, noises, rng, out_dir):
    order = rng.permutation(len(clips))
    groups = [order[i:i + KEYWORDS_PER_STREAM] for i in range(0, len(order), KEYWORDS_PER_STREAM)]
    total = 0.0
    noise_names = sorted(noises)
    for g, group in enumerate(groups):
        pieces, keywords, extra = [], [], []
        t = int(rng.uniform(1.0, 3.0) * RATE)
        for idx in group:
            label, path = clips[idx]
            x = decode(path)
            keywords.append({"label": label, "start_s": t / RATE, "end_s": (t + len(x)) / RATE, "source": str(path.name)})
            pieces.append((t, x))
            t += len(x)
            gap = int(rng.uniform(2.5, 5.0) * RATE)
            if unknown and rng.random() < 1 / 3:
                u = unknown[int(rng.integers(len(unknown)))]
                y = decode(u)
                if len(y) + int(0.6 * RATE) < gap:
                    at = t + int(0.3 * RATE) + int(rng.integers(0, gap - len(y) - int(0.6 * RATE)))
                    pieces.append((at, y))
                    extra.append({"kind": "unknown", "source": f"{u.parent.name}/{u.name}", "start_s": at / RATE, "end_s": (at + len(y)) / RATE})
            t += gap
        n = t
        noise_name = noise_names[g % len(noise_names)]
        level = BED_LEVELS[int(rng.integers(len(BED_LEVELS)))]
        signal = at_level(looped(noises[noise_name], n, rng), level)
        for at, x in pieces:
            signal[at:at + len(x)] += x
        truth = {"kind": "keywords", "split": split, "keywords": keywords, "negatives": extra,
                 "bed": {"noise": noise_name, "rms": level}}
        total += write(out_dir, f"keywords_{g:02d}", signal, truth)
    return total


def noise_streams(split, noises, rng, out_dir):
    total = 0.0
    for name in sorted(noises):
        for level in NOISE_LEVELS:
            x = at_level(looped(noises[name], 120 * RATE, rng), level)
            truth = {"kind": "noise", "split": split, "keywords": [], "negatives": [{"kind": "noise", "source": name, "rms": level}]}
            total += write(out_dir, f"noise_{name}_{int(level * 1000):03d}", x, truth)
    return total


def silence_streams(split, rng, out_dir):
    total = write(out_dir, "silence_digital", np.zeros(300 * RATE, dtype=np.float32),
                  {"kind": "silence", "split": split, "keywords": [], "negatives": [{"kind": "silence"}]})
    quiet = (rng.standard_normal(300 * RATE) * 0.0005).astype(np.float32)
    total += write(out_dir, "silence_quiet", quiet,
                   {"kind": "silence", "split": split, "keywords": [], "negatives": [{"kind": "white noise", "rms": 0.0005}]})
    return total


def unknown_stream(split, unknown, noises, rng, out_dir):
    pieces, extra = [], []
    t = int(0.5 * RATE)
    for gain in (0.5, 1.0, 2.0):
        for i in rng.permutation(len(unknown)):
            u = unknown[i]
            y = decode(u) * gain
            pieces.append((t, y))
            extra.append({"kind": "unknown", "source": f"{u.parent.name}/{u.name}", "gain": gain, "start_s": t / RATE, "end_s": (t + len(y)) / RATE})
            t += len(y) + int(rng.uniform(0.3, 1.5) * RATE)
    bed = at_level(looped(noises[sorted(noises)[int(rng.integers(len(noises)))]], t, rng), 0.002)
    for at, y in pieces:
        bed[at:at + len(y)] += y
    return write(out_dir, "unknown_words", bed, {"kind": "unknown", "split": split, "keywords": [], "negatives": extra})


def speech_stream(split, utterances, out_dir):
    gap = np.zeros(RATE // 2, dtype=np.float32)
    parts, extra, t = [], [], 0
    for u in utterances:
        x = decode(u)
        extra.append({"kind": "librispeech", "source": u.name, "start_s": t / RATE, "end_s": (t + len(x)) / RATE})
        parts += [x, gap]
        t += len(x) + len(gap)
    return write(out_dir, "speech_librispeech", np.concatenate(parts) if parts else gap,
                 {"kind": "speech", "split": split, "keywords": [], "negatives": extra})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=["val", "test"], required=True)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--data", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"),
                    help="the shared data directory (mini_speech_commands, background_noise, unknown_words, librispeech_excerpt)")
    ap.add_argument("--keywords", help="a mini_speech_commands-layout directory holding the split's keyword clips (WAV or FLAC)")
    ap.add_argument("--seed", type=int, default=20)
    args = ap.parse_args()
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = args.seed * 1000 + int(hashlib.sha1(args.split.encode()).hexdigest()[:4], 16)
    rng = np.random.default_rng(seed)
    data = pathlib.Path(args.data)
    clips = keyword_clips(args.split, data, args.keywords)
    unknown = negatives.unknown_words(data / "unknown_words", args.split)
    utterances = negatives.librispeech(data / "librispeech_excerpt", args.split)
    noises = noise_parts(args.split, data)
    seconds = {
        "keywords": keyword_streams(args.split, clips, unknown, noises, rng, out_dir),
        "noise": noise_streams(args.split, noises, rng, out_dir),
        "silence": silence_streams(args.split, rng, out_dir),
        "unknown": unknown_stream(args.split, unknown, noises, rng, out_dir),
        "speech": speech_stream(args.split, utterances, out_dir),
    }
    index = {"split": args.split, "seed": args.seed, "keyword_clips": len(clips), "unknown_clips": len(unknown),
             "librispeech_utterances": len(utterances), "noise_files": sorted(noises),
             "seconds": {k: round(v, 3) for k, v in seconds.items()}}
    (out_dir / "index.txt").write_text(json.dumps(index, indent=1) + "\n")
    print(json.dumps(index))


if __name__ == "__main__":
    main()
