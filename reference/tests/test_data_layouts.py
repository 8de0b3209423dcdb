"""train_all.py --data: the generator's layout and a real mini_speech_commands directory both load."""
import numpy as np
import pytest
import scipy.io.wavfile as wavfile

from kws_ref import LABELS, train


def _wav(path, n, rate=16000, value=1000):
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(path, rate, np.full(n, value, np.int16))


def test_course_layout_with_prefixed_paths_and_short_clips(tmp_path):
    _wav(tmp_path / "yes" / "a_nohash_0.wav", 12000)
    _wav(tmp_path / "down" / "b_nohash_1.wav", 16000, value=-2000)
    (tmp_path / "kws_train_split.txt").write_text(
        "data/mini_speech_commands/yes/a_nohash_0.wav\ndata/mini_speech_commands/down/b_nohash_1.wav\n")
    waves, labels, rels = train.load_split(tmp_path, "train")
    assert rels == ["yes/a_nohash_0.wav", "down/b_nohash_1.wav"]
    assert list(labels) == [LABELS.index("yes"), LABELS.index("down")]
    assert waves.shape == (2, 16000)
    assert np.allclose(waves[0, :12000], 1000 / 32768) and not waves[0, 12000:].any()   # zero-padded
    assert np.allclose(waves[1], -2000 / 32768)


def test_generator_layout_is_found_first(tmp_path):
    _wav(tmp_path / "val" / "go" / "x.wav", 16000)
    (tmp_path / "val" / "val_split.txt").write_text("go/x.wav\n")
    base, listing = train.split_file(tmp_path, "val")
    assert base == tmp_path / "val" and listing.name == "val_split.txt"
    assert list(train.load_split(tmp_path, "val")[1]) == [LABELS.index("go")]


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train split"):
        train.load_split(tmp_path, "train")
    _wav(tmp_path / "yes" / "slow.wav", 8000, rate=8000)
    (tmp_path / "train_split.txt").write_text("yes/slow.wav\n")
    with pytest.raises(ValueError, match="slow.wav: need 16 kHz"):
        train.load_split(tmp_path, "train")
    _wav(tmp_path / "cat" / "c.wav", 16000)
    (tmp_path / "train_split.txt").write_text("cat/c.wav\n")
    with pytest.raises(ValueError, match="label 'cat'"):
        train.load_split(tmp_path, "train")


def test_feature_cache_follows_the_data_not_the_split_name(tmp_path):
    """Regenerated clips under the same names must not reuse stale cached features."""
    import os
    from kws_ref import features
    spec = features.MFCC_10
    data, cache = tmp_path / "data", tmp_path / "cache"
    _wav(data / "val" / "go" / "x.wav", 16000, value=100)
    (data / "val" / "val_split.txt").write_text("go/x.wav\n")
    first = train.cached_features(cache, data, "val", spec)
    _wav(data / "val" / "go" / "x.wav", 16000, value=5000)
    os.utime(data / "val" / "go" / "x.wav", ns=(1, 1))          # a different modification time
    second = train.cached_features(cache, data, "val", spec)
    assert len(list(cache.iterdir())) == 2
    assert not np.allclose(first, second)
    assert np.array_equal(second, train.cached_features(cache, data, "val", spec))
