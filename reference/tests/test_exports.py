"""Each exported Keras file reloads and reproduces the committed fixtures; the manifest is consistent."""
import json
import pathlib

import h5py
import keras
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "weights" / "manifest.json").read_text())
NAMES = [n["name"] for n in MANIFEST["networks"]]


def test_manifest_lists_the_seven_networks_and_the_listening_variants():
    assert NAMES == ["little", "big", "coop1", "coop2", "coop3", "coop4", "coop5", "little-listen", "big-listen"]
    keywords = ["down", "stop", "right", "left", "up", "yes", "no", "go"]
    assert MANIFEST["labels"] == keywords
    for net in MANIFEST["networks"]:
        expected = keywords + ["_silence_", "_unknown_"] if net["name"].endswith("-listen") else keywords
        assert net["labels"] == expected, net["name"]


@pytest.mark.parametrize("name", NAMES)
def test_exported_file_reloads_with_identical_outputs(name):
    model = keras.models.load_model(ROOT / "weights" / f"{name}.h5", compile=False)
    with h5py.File(ROOT / "fixtures" / f"{name}.h5", "r") as f:
        x, expected = f["input"][...], f["output"][...]
    got = model(x, training=False).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_little_is_pruned_to_58_percent():
    model = keras.models.load_model(ROOT / "weights" / "little.h5", compile=False)
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            w = layer.kernel.numpy()
            assert abs((w == 0).mean() - 0.58) <= 1.0 / w.size + 1e-9, layer.name


def test_manifest_predictions_match_its_accuracy():
    split = (ROOT / "data" / "test_split.txt").read_text().split()
    labels = np.array([MANIFEST["labels"].index(r.split("/")[0]) for r in split])
    for net in MANIFEST["networks"]:
        pred = np.array(net["keras_test_predictions"])
        assert abs(np.mean(pred == labels) - net["keras_test_accuracy"]) < 1e-9
    bl = MANIFEST["big_little"]
    assert bl["bytes_sent"] <= bl["budget_bytes"]


def _first_layer(model):
    return [l for l in model.layers if type(l).__name__ != "InputLayer"][0]


@pytest.mark.parametrize("name", ["little", "big", "coop3"])
def test_cmvn_recipe_puts_per_utterance_normalisation_first(name):
    """The cmvn recipe's models: same output as the plain builder's, a LayerNormalization over time first,
    and its output standardised per (clip, feature column)."""
    from kws_ref import models
    plain, model = models.build(name), models.build(name, cmvn=True)
    first = _first_layer(model)
    assert type(first).__name__ == "LayerNormalization" and list(first.axis) == [1]
    assert model.output_shape == plain.output_shape and model.count_params() == plain.count_params()
    x = np.random.default_rng(0).normal(3, 2, (2,) + tuple(model.input_shape[1:])).astype(np.float32)
    y = np.asarray(first(x))
    assert np.allclose(y.mean(axis=1), 0, atol=1e-4) and np.allclose(y.std(axis=1), 1, atol=1e-2)


def test_recipe_and_committed_files_agree_on_the_normalisation():
    """The recipes the networks ship with (what reproduce.sh trains) give little, and only little, the
    per-utterance normalisation layer, with its own seed (little-listen, on MFCC-10 since streammfcc_nocmvn,
    has none); the committed files are built the same way (first layer a LayerNormalization over time without
    γ/β in little.h5, none in big.h5 or little-listen.h5), and the manifest records it."""
    from kws_ref import train
    assert [n for n in train.CONFIGS if train.uses_cmvn(n, train.shipped_recipe(n))] == ["little"]
    assert train.seed_of("little") == 2026 and train.seed_of("big") == train.SEED
    for name, normalised in (("little", True), ("big", False), ("little-listen", False)):
        model = keras.models.load_model(ROOT / "weights" / f"{name}.h5", compile=False)
        first = _first_layer(model)
        assert (type(first).__name__ == "LayerNormalization") == normalised, name
        if normalised:
            assert list(first.axis) == [1] and not first.center and not first.scale
    entry = next(n for n in MANIFEST["networks"] if n["name"] == "little")
    assert entry["training"]["cmvn"] is True and entry["training"]["seed"] == 2026


def test_each_manifest_entry_states_the_features_its_recipe_trained_it_on():
    """The Swift side computes what the manifest says: each entry's features are its shipped recipe's, and
    its input shape is what those features make of a second (little-listen: MFCC-10, 49 x 10)."""
    from kws_ref import features as F
    from kws_ref import train
    for net in MANIFEST["networks"]:
        spec = train.features_of(net["name"])
        assert net["features"] == spec and net["training"]["recipe"] == train.shipped_recipe(net["name"]), net["name"]
        assert tuple(net["input_shape"]) == F.input_shape(spec), net["name"]
    assert next(n for n in MANIFEST["networks"] if n["name"] == "little-listen")["features"] == F.MFCC_10


def test_cmn_recipe_removes_the_mean_over_time_and_keeps_the_spread():
    """The cmn experiment's front (LayerNormalization with a huge ε, then Rescaling): each MFCC column
    minus its mean over time, to 0.05 % of the column's range, for variances up to those of real MFCC-10."""
    from kws_ref import models
    model, plain = models.build("big", cmn=True), models.build("big")
    assert model.count_params() == plain.count_params() and model.output_shape == plain.output_shape
    rng = np.random.default_rng(1)
    x = (rng.normal(0, 1, (4, 49, 10, 1)) * np.linspace(23, 0.5, 10).reshape(1, 1, 10, 1) + 30).astype(np.float32)
    y = np.asarray(model.layers[1](model.layers[0](x)))
    centred = x - x.mean(axis=1, keepdims=True)
    assert np.all(np.abs(y - centred) <= 5e-4 * np.abs(centred).max(axis=1, keepdims=True) + 1e-5)


def test_chanaug_offsets_are_constant_over_time_with_the_spread_of_the_clip_means():
    """The chanaug experiment: σ per column is the spread over clips of each clip's mean over time, and
    each example gets one N(0, σ²) offset per column, the same in every frame, different between examples."""
    import tensorflow as tf
    from kws_ref import train
    rng = np.random.default_rng(2)
    clip_means = rng.normal(0, 1, (500, 1, 10, 1)) * np.arange(1, 11).reshape(1, 1, 10, 1)
    x = (clip_means + rng.normal(0, 5, (500, 49, 10, 1))).astype(np.float32)
    std = train.channel_offset_std(x)
    assert std.shape == (10, 1)
    # The clip means' spread (1…10 by column), plus the frame noise's contribution 5/√49 ≈ 0.71 in quadrature.
    expected = np.sqrt(np.arange(1, 11) ** 2 + (5 / 7) ** 2)
    assert np.allclose(std.ravel(), expected, rtol=0.12)
    base = np.zeros((49, 10, 1), np.float32)
    offsets = np.stack([np.asarray(train.channel_offset(base, tf.constant([i, 7]), std)) for i in range(400)])
    assert np.all(offsets == offsets[:, :1])                       # the same in every frame
    assert np.allclose(offsets[:, 0].std(axis=0).ravel(), std.ravel(), rtol=0.15)
    assert len({float(o[0, 0, 0]) for o in offsets}) == 400          # a different draw for each example


@pytest.mark.parametrize("spec_name", ["STFT_64", "MFCC_10"])
def test_little_listen_takes_the_map_its_features_make(spec_name):
    """features.input_shape is the shape features() really makes of a second, and little-listen built for it
    takes that map with little's layer list (the same parameters on either map); only little-listen takes a
    shape or a width."""
    from kws_ref import features as F
    from kws_ref import models
    spec = getattr(F, spec_name)
    second = np.random.default_rng(2).normal(0, 0.1, 16000).astype(np.float32)
    shape = F.input_shape(spec)
    assert tuple(np.asarray(F.features(second, spec)).shape) == shape
    model = models.build("little-listen", shape=shape)
    assert tuple(model.input_shape[1:]) == shape and model.output_shape == (None, models.LISTEN_CLASSES)
    assert model.count_params() == models.build("little-listen").count_params()
    with pytest.raises(ValueError):
        models.build("big-listen", shape=shape)
