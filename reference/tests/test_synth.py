"""The generator is deterministic and no voice is in two splits."""
import pathlib

import numpy as np
import pytest

from kws_ref import LABELS, synth

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def combos():
    return synth.espeak_combos()


def test_espeak_combos_are_disjoint_and_cover_every_voice(combos):
    sets = [set(v) for v in combos.values()]
    assert all(not (a & b) for i, a in enumerate(sets) for b in sets[i + 1:])
    assert sum(len(s) for s in sets) == len(synth.ESPEAK_VOICES) * len(synth.espeak_variants())
    assert all(len(s) > 50 for s in sets)


def test_plans_have_the_split_sizes_and_no_shared_voice(combos):
    plans = {s: synth.clip_plan(s, combos) for s in ("train", "val", "test")}
    for split, plan in plans.items():
        assert len(plan) == synth.SPLIT_SIZES[split] * len(LABELS)
    voices = {s: {synth.voice_tag(e, v) for _, _, e, v in p} for s, p in plans.items()}
    assert not voices["train"] & voices["test"]
    assert not voices["train"] & voices["val"]
    assert not voices["val"] & voices["test"]
    assert "flite-awb" in voices["test"]            # a whole flite voice held out for test
    assert not any(v.startswith("flite-awb") for v in voices["train"])
    aug = synth.clip_plan("train_aug", combos)       # the second training rendering: training voices only
    assert len(aug) == synth.SPLIT_SIZES["train_aug"] * len(LABELS)
    aug_voices = {synth.voice_tag(e, v) for _, _, e, v in aug}
    assert aug_voices <= synth.voices_by_split()["train"]
    assert not aug_voices & (voices["val"] | voices["test"])
    xeng = {synth.voice_tag(e, v) for _, _, e, v in synth.clip_plan("val_xeng", combos)}
    assert xeng == {"festival-ked"}                 # the unseen-synthesiser validation part
    assert not xeng & (voices["train"] | aug_voices | voices["val"] | voices["test"])


def test_same_clip_twice_is_bit_identical_and_different_clips_differ(combos):
    plan = synth.clip_plan("train", combos)
    picks = [next(i for i, p in enumerate(plan) if p[2] == e) for e in ("espeak", "flite", "piper")]
    for i in picks:
        a = synth.make_clip("train", plan[i])
        b = synth.make_clip("train", plan[i])
        assert a.shape == (16000,) and a.dtype == np.float32
        assert np.array_equal(a, b), plan[i]
        assert np.abs(a).max() < 1.0
    assert not np.array_equal(synth.make_clip("train", plan[picks[0]]),
                              synth.make_clip("train", plan[picks[0] + 1]))
