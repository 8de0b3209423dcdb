"""Writes fixtures/features.h5: tf.signal features of a few clips, which the Swift features must match.

    python reference/make_feature_fixtures.py [--data DIR]     (DIR: the unpacked real set)

Cases: four real spoken keywords of the test split (copied to fixtures/audio/ and decoded with
tf.audio.decode_wav exactly as kws_ref.features.decode_wav does), one cut short to 0.4 s (zero-padded),
two real clips joined into 1.6 s (cut to one second), silence, full-scale noise and a short tone.
"""
import argparse
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reference"))
from kws_ref import SAMPLE_RATE, features as F, fixtures, train  # noqa: E402

AUDIO = ROOT / "fixtures" / "audio"
# (file stem, the test split's clips it is made of, extra sox effects): the first clip of each of these words
# in the test split (its order is fixed by the split file).
SPOKEN = [("real_yes", ["yes"], []), ("real_stop", ["stop"], []), ("real_left", ["left"], []),
          ("real_go", ["go"], []),
          ("real_up_short", ["up"], ["trim", "0", "0.4"]),            # shorter than a second: zero-padded
          ("real_down_right_long", ["down", "right"], ["trim", "0", "1.6"])]   # longer: cut


def make_clip(stem, sources, effects):
    dst = AUDIO / f"{stem}.wav"
    subprocess.run(["sox"] + [str(s) for s in sources] + ["-b", "16", str(dst)] + effects, check=True)
    return dst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=pathlib.Path, default=ROOT / "reference" / "out" / "real",
                    help="the unpacked real set (default reference/out/real)")
    args = ap.parse_args()
    base, listing = train.split_file(args.data, "test")
    rels = [l for l in listing.read_text().split() if l]
    first = {}
    for rel in rels:
        first.setdefault(rel.split("/")[0], base / rel)
    for old in AUDIO.glob("*.wav"):
        old.unlink()
    AUDIO.mkdir(parents=True, exist_ok=True)
    cases = []
    for stem, words, effects in SPOKEN:
        path = make_clip(stem, [first[w] for w in words], effects)
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
