"""Fixture files the Swift side is checked against (HDF5, written with h5py).

fixtures/<network>.h5
  input            (N, H, W, C) float32   the network's input features
  output           (N, classes) float32   the model's output (logits)
  layers/<name>    (N, ...)     float32   the output of every Keras layer, InputLayer excluded
  attrs: network (str), layer_names (JSON list, model order), clips (JSON list of wav paths, may be [])

fixtures/features.h5, one group per case (e.g. /speech_0, /silence, /short, /noise_full_scale):
  waveform      (16000,)   decoded, zero-padded/cut audio
  stft_256      (124, 129) |STFT| frame 256, step 128, fft 256
  stft_64x64    (64, 64)   stft_256 resized bilinearly (tf.image.resize)
  stft_640      (49, 321)  |STFT| frame 640, step 320, fft 640
  mel_40        (49, 40)   stft_640 . linear_to_mel_weight_matrix(40, 321, 16000, 20, 4000)
  log_mel_40    (49, 40)   log(mel_40 + 1e-6)
  mfcc_10       (49, 10)
  mfcc_32       (49, 32)
  attrs: wav (str, path relative to the repo root of the source clip, or "")
root: mel_matrix_40 (321, 40) the filterbank itself
"""
import json

import h5py
import keras
import numpy as np
import tensorflow as tf

from . import features as F


def layer_outputs(model, inputs):
    """Every layer's output for a chain model (Sequential or a functional chain like MobileNet)."""
    chain = [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]
    outs, x = {}, tf.constant(inputs)
    for layer in chain:
        x = layer(x, training=False)
        outs[layer.name] = x.numpy().astype(np.float32)
    return [l.name for l in chain], outs


def write_network_fixture(model, inputs, path, clips=()):
    names, outs = layer_outputs(model, inputs)
    final = model(tf.constant(inputs), training=False).numpy().astype(np.float32)
    assert np.allclose(final, outs[names[-1]], atol=1e-5), "layer chain does not reproduce the model"
    with h5py.File(path, "w") as f:
        f.attrs["network"] = model.name
        f.attrs["layer_names"] = json.dumps(names)
        f.attrs["clips"] = json.dumps(list(clips))
        f.create_dataset("input", data=inputs.astype(np.float32))
        f.create_dataset("output", data=final)
        g = f.create_group("layers")
        for n in names:
            g.create_dataset(n, data=outs[n])


def write_feature_fixture(cases, path):
    """cases: list of (name, waveform (16000,) float32, wav path or "")."""
    with h5py.File(path, "w") as f:
        f.create_dataset("mel_matrix_40", data=F.mel_matrix(F.MFCC_10).numpy())
        for name, wave, wav in cases:
            a = tf.constant(np.asarray(wave, np.float32))
            g = f.create_group(name)
            g.attrs["wav"] = wav
            g.create_dataset("waveform", data=a.numpy())
            g.create_dataset("stft_256", data=F.stft_magnitude(a, F.STFT_64).numpy())
            g.create_dataset("stft_64x64", data=F.stft_resized(a).numpy()[..., 0])
            g.create_dataset("stft_64x64_log", data=F.stft_resized(a, F.STFT_64_LOG).numpy()[..., 0])
            g.create_dataset("stft_640", data=F.stft_magnitude(a, F.MFCC_10).numpy())
            mel = tf.tensordot(F.stft_magnitude(a, F.MFCC_10), F.mel_matrix(F.MFCC_10), 1)
            g.create_dataset("mel_40", data=mel.numpy())
            g.create_dataset("log_mel_40", data=F.log_mel(a, F.MFCC_10).numpy())
            g.create_dataset("mfcc_10", data=F.mfcc(a, F.MFCC_10).numpy())
            g.create_dataset("mfcc_32", data=F.mfcc(a, F.MFCC_32).numpy())
