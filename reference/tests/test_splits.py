"""The real splits are speaker-disjoint, and the bundled test split is exactly the test split file's clips."""
import collections
import pathlib

import pytest
import scipy.io.wavfile as wavfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPLITS = ROOT / "reference" / "splits"
LABELS = ["down", "stop", "right", "left", "up", "yes", "no", "go"]


def lines(path):
    return [l for l in path.read_text().split("\n") if l.strip()]


def speaker(rel):
    return pathlib.PurePosixPath(rel).name.split("_nohash_")[0]


@pytest.fixture(scope="module")
def splits():
    return {s: lines(SPLITS / f"{s}_split.txt") for s in ("train", "val", "test")}


def test_split_sizes_and_labels(splits):
    assert {s: len(v) for s, v in splits.items()} == {"train": 5616, "val": 724, "test": 812}
    for rels in splits.values():
        assert all(r.split("/")[0] in LABELS and r.endswith(".wav") and "_nohash_" in r for r in rels)
        assert len(set(rels)) == len(rels)


def test_no_speaker_is_in_two_splits(splits):
    owners = collections.defaultdict(set)
    for name, rels in splits.items():
        for r in rels:
            owners[speaker(r)].add(name)
    shared = {s: o for s, o in owners.items() if len(o) > 1}
    assert not shared, f"speakers in two splits: {sorted(shared)[:10]}"


def test_bundled_data_is_the_test_split(splits):
    assert lines(ROOT / "data" / "test_split.txt") == splits["test"]
    bundled = sorted(str(p.relative_to(ROOT / "data")) for p in (ROOT / "data").glob("*/*.wav"))
    assert bundled == sorted(splits["test"]), "data/ holds other files than the test split's"
    for rel in splits["test"][::50]:
        rate, x = wavfile.read(ROOT / "data" / rel)
        assert rate == 16000 and x.dtype.name == "int16" and x.ndim == 1 and 0 < len(x) <= 16000
