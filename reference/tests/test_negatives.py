"""The non-keyword sounds are split like the keywords: no speaker in two splits, noise split by time."""
import pathlib

from kws_ref import negatives

SPLITS = pathlib.Path(__file__).resolve().parents[1] / "splits"


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_a_keyword_speaker_keeps_its_split_for_other_words(tmp_path):
    owners = negatives.keyword_speakers(SPLITS)
    by_split = {}
    for spk, split in owners.items():
        by_split.setdefault(split, spk)
    for split, spk in by_split.items():
        _touch(tmp_path / "bed" / f"{spk}_nohash_0.flac")
    for split, spk in by_split.items():
        got = [negatives.speaker_of(p) for p in negatives.unknown_words(tmp_path, split, SPLITS)]
        assert got == [spk], split


def test_other_speakers_are_hashed_and_never_in_two_splits(tmp_path):
    for i in range(300):
        _touch(tmp_path / "cat" / f"zz{i:06d}_nohash_0.wav")
        _touch(tmp_path / "dog" / f"zz{i:06d}_nohash_1.flac")
    parts = {s: {negatives.speaker_of(p) for p in negatives.unknown_words(tmp_path, s, SPLITS)}
             for s in ("train", "val", "test")}
    assert sum(len(v) for v in parts.values()) == 300
    assert not (parts["train"] & parts["val"] or parts["train"] & parts["test"] or parts["val"] & parts["test"])
    assert 200 < len(parts["train"]) < 280 and len(parts["val"]) > 10 and len(parts["test"]) > 10


def test_librispeech_speakers_split_80_10_10(tmp_path):
    for i in range(60):
        _touch(tmp_path / f"{1000 + i}-5-0000.flac")
    parts = {s: [negatives.speaker_of(p) for p in negatives.librispeech(tmp_path, s)] for s in ("train", "val", "test")}
    assert [len(parts[s]) for s in ("train", "val", "test")] == [48, 6, 6]
    assert len(set(sum(parts.values(), []))) == 60


def test_noise_parts_tile_the_file():
    n = 1_000_003
    ranges = [negatives.noise_range(n, s) for s in ("train", "val", "test")]
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
