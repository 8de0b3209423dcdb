"""Small Keras models (and their layer-by-layer fixtures) for the Swift loader tests, written to
Tests/Resources/models/. Run from the repo root:  python reference/make_test_models.py

Each model exercises what the seven networks use, with odd sizes (channels not a multiple of 8, 'same'
and 'valid', strides, explicit zero padding, ReLU6, softmax, keepdims pooling, reshape) and randomised
BatchNormalization statistics so that folding is really tested. Two more files are for error paths: an
unsupported layer and a functional model that is not a chain.
"""
import pathlib
import sys

import keras
import numpy as np
from keras import layers

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kws_ref import fixtures  # noqa: E402

OUT = pathlib.Path(__file__).parent.parent / "Tests" / "Resources" / "models"


def randomise_bn(model, rng):
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            shapes = [w.shape for w in layer.get_weights()]
            layer.set_weights([rng.uniform(0.5, 1.5, shapes[0]).astype(np.float32),
                               rng.normal(0, 0.2, shapes[1]).astype(np.float32),
                               rng.normal(0, 0.2, shapes[2]).astype(np.float32),
                               rng.uniform(0.5, 2.0, shapes[3]).astype(np.float32)])


def tiny_dscnn():
    return keras.Sequential([
        keras.Input(shape=(13, 9, 1)),
        layers.Conv2D(11, (3, 3), strides=(2, 1), use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.DepthwiseConv2D((3, 3), padding="same", use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2D(13, (1, 1), use_bias=True),
        layers.BatchNormalization(), layers.ReLU(max_value=6),
        layers.MaxPooling2D((2, 2)),
        layers.AveragePooling2D((2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(9, (2, 3), strides=(1, 2), padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="relu"), layers.Dropout(0.2),
        layers.Dense(5), layers.BatchNormalization(),
        layers.Dense(4, activation="softmax"),
    ], name="tiny_dscnn")


def tiny_mobilenet():
    x = inp = keras.Input(shape=(11, 8, 1))
    x = layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same", use_bias=False, name="conv1")(x)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="pad")(x)
    x = layers.DepthwiseConv2D((3, 3), strides=(2, 2), padding="valid", use_bias=False, name="dw")(x)
    x = layers.BatchNormalization(name="dw_bn")(x)
    x = layers.ReLU(6.0, name="dw_relu")(x)
    x = layers.Conv2D(17, (1, 1), use_bias=False, name="pw")(x)
    x = layers.BatchNormalization(name="pw_bn")(x)
    x = layers.Activation("relu6", name="pw_relu")(x)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = layers.Dropout(0.1, name="drop")(x)
    x = layers.Conv2D(6, (1, 1), padding="same", name="preds")(x)
    x = layers.Reshape((6,), name="reshape")(x)
    x = layers.Activation("linear", name="logits")(x)
    x = layers.Activation("softmax", name="probs")(x)
    return keras.Model(inp, x, name="tiny_mobilenet")


def tiny_sparse(rng):
    """Dense and 1x1 layers with 60 % zero weights (magnitude pruning stand-in), flattened conv features."""
    model = keras.Sequential([
        keras.Input(shape=(4, 3, 3)),
        layers.Conv2D(24, (1, 1), use_bias=False), layers.BatchNormalization(), layers.ReLU(),
        layers.Flatten(),
        layers.Dense(40, activation="relu"),
        layers.Dense(7),
    ], name="tiny_sparse")
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.Dense)):
            w = layer.get_weights()
            w[0] = np.where(rng.uniform(size=w[0].shape) < 0.6, 0, w[0]).astype(np.float32)
            layer.set_weights(w)
    return model


def tiny_cmvn(rng):
    """Per-utterance normalisation in front (axis 1: each feature column over time, no γ/β), and a second
    LayerNormalization over two axes with random γ/β after a convolution."""
    model = keras.Sequential([
        keras.Input(shape=(12, 7, 1)),
        layers.LayerNormalization(axis=1, center=False, scale=False),
        layers.Conv2D(6, (3, 3), padding="same"), layers.BatchNormalization(), layers.ReLU(),
        layers.LayerNormalization(axis=[1, 2]),
        layers.GlobalAveragePooling2D(),
        layers.Dense(4),
    ], name="tiny_cmvn")
    ln = model.layers[4]
    ln.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in ln.get_weights()])
    return model


def tiny_rescale(rng):
    """Keras Rescaling: after the cmn front (LayerNormalization with a huge ε, then × 1000, as the cmn recipe
    builds it), after a convolution (folded into it) and after a ReLU (a step of its own), with an offset."""
    del rng
    model = keras.Sequential([
        keras.Input(shape=(12, 7, 1)),
        layers.LayerNormalization(axis=1, center=False, scale=False, epsilon=1e6),
        layers.Rescaling(1000.0),
        layers.Conv2D(6, (3, 3), padding="same"), layers.Rescaling(0.5, offset=-0.25),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Rescaling(2.0, offset=0.125),
        layers.GlobalAveragePooling2D(),
        layers.Dense(4),
    ], name="tiny_rescale")
    return model


def unsupported_layer():
    return keras.Sequential([keras.Input(shape=(4, 4, 1)), layers.Conv2D(2, (3, 3)), layers.LeakyReLU(),
                             layers.Flatten(), layers.Dense(2)], name="unsupported_layer")


def not_a_chain():
    inp = keras.Input(shape=(4, 4, 2))
    a = layers.Conv2D(2, (1, 1), name="branch")(inp)
    x = layers.Add(name="add")([inp, a])
    return keras.Model(inp, layers.Flatten(name="flat")(x), name="not_a_chain")


def broken_copies():
    """tiny_mobilenet with one weight dataset deleted, and with a kernel of the wrong shape."""
    import shutil
    import h5py
    src = OUT / "tiny_mobilenet.h5"
    for name, edit in [("missing_weight", "delete"), ("wrong_shape", "reshape")]:
        dst = OUT / f"{name}.h5"
        shutil.copy(src, dst)
        with h5py.File(dst, "r+") as f:
            path = "model_weights/pw/" + f["model_weights/pw"].attrs["weight_names"][0]
            data = f[path][...]
            del f[path]
            if edit == "reshape":
                f.create_dataset(path, data=data[..., :-1])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    keras.utils.set_random_seed(7)
    only = sys.argv[1:]             # e.g. `make_test_models.py tiny_cmvn`: write only the models named
    # tiny_cmvn and tiny_rescale have generators of their own: the same data alone or with the others.
    own = {"tiny_cmvn": (tiny_cmvn, 11), "tiny_rescale": (tiny_rescale, 13)}
    late = {}
    for name, (build, seed) in own.items():
        if not only or name in only:
            g = np.random.default_rng(seed)
            late[name] = (build(g), g)
    models = list(late.values()) if only else [(tiny_dscnn(), rng), (tiny_mobilenet(), rng), (tiny_sparse(rng), rng)] + list(late.values())
    for model, r in models:
        randomise_bn(model, r)
        model.save(OUT / f"{model.name}.h5", include_optimizer=False)
        x = r.normal(0, 1, (2,) + tuple(model.input_shape[1:])).astype(np.float32)
        fixtures.write_network_fixture(model, x, OUT / f"{model.name}_fixture.h5")
    if only:
        return
    for model in [unsupported_layer(), not_a_chain()]:
        model.save(OUT / f"{model.name}.h5", include_optimizer=False)
    broken_copies()
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
