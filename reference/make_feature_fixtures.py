"""Writes fixtures/features.h5: tf.signal features of a few clips, which the Swift features must match.

    python reference/make_feature_fixtures.py        (from the repository root)

Cases: spoken words (espeak-ng and flite, resampled to 16 kHz 16-bit mono with sox; the WAVs are kept in
fixtures/audio/ and decoded with tf.audio.decode_wav exactly as kws_ref.features.decode_wav does), silence,
a short clip that gets zero-padded, full-scale noise, and a clip longer than 1 s that gets cut.
"""
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reference"))
from kws_ref import SAMPLE_RATE, features as F, fixtures  # noqa: E402

AUDIO = ROOT / "fixtures" / "audio"

# (file stem, synthesiser command producing a WAV at {out}, extra sox effects)
SPOKEN = [
    ("espeak_yes", ["espeak-ng", "-v", "en-us", "-w", "{out}", "yes"], []),
    ("espeak_stop", ["espeak-ng", "-v", "en+f3", "-s", "140", "-w", "{out}", "stop"], []),
    ("flite_left", ["flite", "-voice", "slt", "-t", "left", "-o", "{out}"], []),
    ("flite_go", ["flite", "-voice", "awb", "-t", "go", "-o", "{out}"], []),
    # longer than one second: decoded and then cut to 16000 samples
    ("espeak_long", ["espeak-ng", "-v", "en-us", "-s", "90", "-w", "{out}", "down, right, up and no"], ["trim", "0", "1.6"]),
    # shorter than one second: zero-padded (trimmed to 0.4 s by sox)
    ("flite_short", ["flite", "-voice", "kal16", "-t", "up", "-o", "{out}"], ["trim", "0", "0.4"]),
]


def synthesise(stem, cmd, effects):
    dst = AUDIO / f"{stem}.wav"
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "raw.wav"
        subprocess.run([c.replace("{out}", str(raw)) for c in cmd], check=True, capture_output=True)
        # -R: sox's dither (on by default when it reduces to 16 bits) seeded the same every run, so the
        # fixtures regenerate bit-identically (without it two runs differed by ±2 LSB in half the samples).
        subprocess.run(["sox", "-R", str(raw), "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", "-e", "signed-integer",
                        str(dst)] + effects, check=True)
    return dst


def main():
    AUDIO.mkdir(parents=True, exist_ok=True)
    cases = []
    for stem, cmd, effects in SPOKEN:
        path = synthesise(stem, cmd, effects)
        wave = F.decode_wav(path).numpy()
        cases.append((stem, wave, str(path.relative_to(ROOT))))
    rng = np.random.default_rng(4)
    cases.append(("silence", np.zeros(SAMPLE_RATE, np.float32), ""))
    cases.append(("noise_full_scale", rng.uniform(-1.0, 1.0, SAMPLE_RATE).astype(np.float32), ""))
    # A 0.375 s tone over a little noise, zero-padded. Not a pure tone: far from 440 Hz a pure tone's
    # bands sit at float32's FFT noise floor (~1e-5), where tf's own log-mel is 4e-2 away from a float64
    # computation, so no implementation could be checked there to 1e-4.
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * np.arange(6000) / SAMPLE_RATE) + rng.uniform(-0.01, 0.01, 6000)
    cases.append(("short_tone_padded", F.pad_or_cut(tone.astype(np.float32)).numpy(), ""))
    out = ROOT / "fixtures" / "features.h5"
    fixtures.write_feature_fixture(cases, out)
    print(f"wrote {out} with {len(cases)} cases: {', '.join(c[0] for c in cases)}")


if __name__ == "__main__":
    main()
