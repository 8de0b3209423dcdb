"""The seven networks of the seed (tables 1-5), as Keras models.

Strides and padding follow the course's DS-CNN/CNN code ('valid', first convolution strided). Inputs:
little 64x64x1 (STFT), big 49x10x1 (MFCC-10), coop1..coop5 49x32x1 (MFCC-32). For the 32-coefficient
inputs the first convolution strides (2, 2) instead of (2, 1): the seed's widths on a 49x30 map would cost
~250 M MACs per clip for coop1, too much to train on two cores; (2, 2) keeps every table's layer list.
"""
import keras
from keras import layers

N_CLASSES = 8


def _ds_block(x, filters):
    """Depthwise 3x3, pointwise 1x1, BN, ReLU (appended to the layer list x)."""
    x += [layers.DepthwiseConv2D(kernel_size=(3, 3), strides=(1, 1), use_bias=False),
          layers.Conv2D(filters, (1, 1), strides=(1, 1), use_bias=False),
          layers.BatchNormalization(momentum=0.9), layers.ReLU()]


def _stem(filters, strides):
    return [layers.Conv2D(filters, (3, 3), strides=strides, use_bias=False),
            layers.BatchNormalization(momentum=0.9), layers.ReLU()]


def _sequential(name, shape, body):
    return keras.Sequential([keras.Input(shape=shape)] + body, name=name)


def little(alpha=0.27, classes=N_CLASSES, name="little", shape=(64, 64, 1)):
    """The seed's little DS-CNN on a shape x 1 map (64 x 64 STFT). On a narrow map (MFCC-10, 49 x 10: the
    "streammfcc" recipes) its first convolution strides (2, 1), as big's does: after a (2, 2) stride its
    three valid 3 x 3 convolutions would leave no width."""
    f256, f128 = int(256 * alpha), int(128 * alpha)
    body = _stem(f256, (2, 2) if shape[1] >= 32 else (2, 1))
    _ds_block(body, f256)                               # DW, Conv, BN, ReLU
    body += [layers.DepthwiseConv2D((3, 3), use_bias=False), layers.Conv2D(f256, (1, 1), use_bias=False)]
    body += [layers.DepthwiseConv2D((3, 3), use_bias=False), layers.Conv2D(f128, (1, 1), use_bias=False),
             layers.BatchNormalization(momentum=0.9), layers.ReLU()]
    body += [layers.GlobalAveragePooling2D(), layers.Dense(18), layers.Dense(classes)]
    return _sequential(name, shape, body)


def _big_body(strides, alpha=1.3, dropout=0.1, classes=N_CLASSES):
    body = _stem(int(128 * alpha), strides)
    _ds_block(body, int(256 * alpha))
    _ds_block(body, int(512 * alpha))
    _ds_block(body, int(512 * alpha))
    body += [layers.GlobalAveragePooling2D(),
             layers.Dense(512, activation="relu"), layers.Dropout(dropout),
             layers.Dense(256, activation="relu"), layers.Dropout(dropout),
             layers.Dense(128, activation="relu"), layers.Dense(classes)]
    return body


def big(classes=N_CLASSES, name="big"):
    return _sequential(name, (49, 10, 1), _big_body((2, 1), classes=classes))


def coop1():
    return _sequential("coop1", (49, 32, 1), _big_body((2, 2)))


def coop2():
    """Plain CNN 128/256/512; the second convolution also strides (2, 2) to keep training affordable."""
    body = _stem(128, (2, 2))
    body += [layers.Conv2D(256, (3, 3), strides=(2, 2), use_bias=False), layers.BatchNormalization(momentum=0.9), layers.ReLU()]
    body += [layers.Conv2D(512, (3, 3), strides=(1, 1), use_bias=False), layers.BatchNormalization(momentum=0.9), layers.ReLU()]
    body += [layers.GlobalAveragePooling2D(), layers.Dense(256, activation="relu"), layers.Dropout(0.1),
             layers.Dense(128, activation="relu"), layers.Dense(N_CLASSES)]
    return _sequential("coop2", (49, 32, 1), body)


def coop3():
    """Keras MobileNet (alpha 1, weights=None), logits out (no softmax) like the other four."""
    return keras.applications.MobileNet(input_shape=(49, 32, 1), weights=None, classes=N_CLASSES,
                                        classifier_activation=None, name="coop3")


def coop4(alpha=1.3):
    f = int(256 * alpha)
    body = _stem(f, (2, 2))
    _ds_block(body, f)
    _ds_block(body, f)
    body += [layers.DepthwiseConv2D((3, 3), use_bias=False), layers.BatchNormalization(momentum=0.9), layers.ReLU()]
    body += [layers.GlobalAveragePooling2D(), layers.Dense(32), layers.Dense(N_CLASSES)]
    return _sequential("coop4", (49, 32, 1), body)


def coop5(alpha=1.3):
    f256, f128 = int(256 * alpha), int(128 * alpha)
    body = _stem(f256, (2, 2))
    _ds_block(body, f256)
    body += [layers.DepthwiseConv2D((3, 3), use_bias=False), layers.Conv2D(f256, (1, 1), use_bias=False)]
    body += [layers.DepthwiseConv2D((3, 3), use_bias=False), layers.Conv2D(f128, (1, 1), use_bias=False),
             layers.BatchNormalization(momentum=0.9), layers.ReLU()]
    body += [layers.GlobalAveragePooling2D(), layers.Dense(18), layers.Dense(N_CLASSES)]
    return _sequential("coop5", (49, 32, 1), body)


# The listening variants: little and big with two more classes, _silence_ and _unknown_ (Speech Commands'
# convention), for spotting keywords in a stream (kws_ref/listen_data.py).
LISTEN_CLASSES = N_CLASSES + 2
BUILDERS = {"little": little, "big": big, "coop1": coop1, "coop2": coop2, "coop3": coop3,
            "coop4": coop4, "coop5": coop5,
            "little-listen": lambda **options: little(classes=LISTEN_CLASSES, name="little_listen", **options),
            "big-listen": lambda: big(classes=LISTEN_CLASSES, name="big_listen")}

# Per-utterance feature normalisation as the model's first layer (the "cmvn" training recipe): each feature
# column (MFCC coefficient, STFT bin) standardised over time, no learnt scale or shift. A plain Keras layer,
# so the exported .h5 carries it and the Swift runtime runs it (Sources/Runtime/Kernels/LayerNormalization.swift).
CMVN = dict(axis=1, center=False, scale=False, epsilon=1e-3)


# Per-utterance mean normalisation only (the "cmn" recipe, an experiment): each feature column minus its mean
# over time, its spread kept. Stock Keras has no centre-only layer, so it is a LayerNormalization whose ε
# (1e6) dwarfs any column's variance over a clip (MFCC-10: at most ~540 on validation), making the divisor
# a near-constant 1000 (within 0.03 %), which Rescaling(1000) undoes.
CMN = dict(axis=1, center=False, scale=False, epsilon=1e6)
CMN_RESCALE = 1000.0


def _front(cmvn, cmn):
    if cmvn:
        return [layers.LayerNormalization(name="cmvn", **CMVN)]
    if cmn:
        return [layers.LayerNormalization(name="cmn", **CMN), layers.Rescaling(CMN_RESCALE, name="cmn_rescale")]
    return []


def build(name, cmvn=False, cmn=False, alpha=None, shape=None):
    """BUILDERS[name](), with the CMVN (or CMN) layers in front when asked (a flat model either way); alpha
    (the "streamwide" recipe) and shape (an input map other than 64 x 64 x 1: the "streammfcc" recipes)
    override little-listen's width multiplier and input."""
    front = _front(cmvn, cmn)
    options = {k: v for k, v in (("alpha", alpha), ("shape", shape)) if v is not None}
    if options and name != "little-listen":
        raise ValueError(f"a width multiplier or input shape is for little-listen, not {name}")
    make = (lambda: BUILDERS[name](**options)) if options else BUILDERS[name]
    if not front:
        return make()
    if name == "coop3":
        inp = keras.Input(shape=(49, 32, 1))
        x = inp
        for layer in front:
            x = layer(x)
        return keras.applications.MobileNet(input_tensor=x, weights=None, classes=N_CLASSES,
                                            classifier_activation=None, name="coop3")
    plain = make()
    return keras.Sequential([keras.Input(shape=plain.input_shape[1:])] + front + plain.layers, name=plain.name)
