"""Feature extraction with tf.signal, exactly as the course did it. The Swift side must match these."""
import numpy as np
import tensorflow as tf

from . import SAMPLE_RATE

# Every parameter of every feature kind; written into weights/manifest.json per network.
STFT_64 = {"kind": "stft", "frame_length": 256, "frame_step": 128, "fft_length": 256,
           "resize": [64, 64], "sample_rate": SAMPLE_RATE, "samples": SAMPLE_RATE}
# The same, log-compressed after resizing (log(x + log_offset), the MFCC specs' offset): the "streamlog" recipe.
STFT_64_LOG = dict(STFT_64, log_offset=1e-6)


def mfcc_spec(coefficients):
    return {"kind": "mfcc", "frame_length": 640, "frame_step": 320, "fft_length": 640,
            "mel_bins": 40, "lower_hz": 20.0, "upper_hz": 4000.0, "log_offset": 1e-6,
            "coefficients": coefficients, "sample_rate": SAMPLE_RATE, "samples": SAMPLE_RATE}


MFCC_10 = mfcc_spec(10)
MFCC_32 = mfcc_spec(32)
# MFCC-10 over the whole band, 20-8000 Hz (the "streammfcc_wb" recipe): the fricatives that tell "off" from
# "up" and "four" from "go" put most of their energy above the 4 kHz where the course's MFCC stops.
MFCC_10_WB = dict(MFCC_10, upper_hz=8000.0)


def input_shape(spec):
    """The (H, W, 1) map a spec's features make of one second: STFT its resize, MFCC frames x coefficients."""
    if spec["kind"] == "stft":
        return (*spec["resize"], 1)
    return (1 + (spec["samples"] - spec["frame_length"]) // spec["frame_step"], spec["coefficients"], 1)


def pad_or_cut(audio):
    audio = tf.convert_to_tensor(audio, tf.float32)[:SAMPLE_RATE]
    return tf.concat([audio, tf.zeros([SAMPLE_RATE - tf.shape(audio)[0]], tf.float32)], 0)


def stft_magnitude(audio, spec):
    return tf.abs(tf.signal.stft(audio, frame_length=spec["frame_length"], frame_step=spec["frame_step"],
                                 fft_length=spec["fft_length"]))


def stft_resized(audio, spec=STFT_64):
    mag = stft_magnitude(audio, spec)
    resized = tf.image.resize(mag[..., tf.newaxis], spec["resize"])  # bilinear, half-pixel centres
    if spec.get("log_offset") is not None:                            # STFT_64_LOG: log-compressed
        return tf.math.log(resized + spec["log_offset"])
    return resized


def spec_tag(spec):
    """A short name of a feature kind for cache files: stft, stftlog, mfcc10, mfcc32, mfcc10wb (MFCC up to
    8 kHz)."""
    log = "log" if spec["kind"] == "stft" and spec.get("log_offset") is not None else ""
    band = "wb" if spec["kind"] == "mfcc" and spec["upper_hz"] != 4000.0 else ""
    return f"{spec['kind']}{spec.get('coefficients', '')}{log}{band}"


def mel_matrix(spec):
    bins = spec["fft_length"] // 2 + 1
    return tf.signal.linear_to_mel_weight_matrix(spec["mel_bins"], bins, spec["sample_rate"],
                                                 spec["lower_hz"], spec["upper_hz"])


def log_mel(audio, spec):
    mel = tf.tensordot(stft_magnitude(audio, spec), mel_matrix(spec), 1)
    return tf.math.log(mel + spec["log_offset"])


def mfcc(audio, spec):
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel(audio, spec))[..., :spec["coefficients"]]


def features(audio, spec):
    """audio: (16000,) or (batch, 16000) float32 -> (.., H, W, 1)."""
    if spec["kind"] == "stft":
        return stft_resized(audio, spec)
    return mfcc(audio, spec)[..., tf.newaxis]


def decode_wav(path):
    """Like the course: tf.audio.decode_wav, mono, zero-padded or cut to 1 s."""
    audio, rate = tf.audio.decode_wav(tf.io.read_file(str(path)))
    if int(rate) != SAMPLE_RATE:
        raise ValueError(f"{path}: sample rate {int(rate)}, expected {SAMPLE_RATE}")
    return pad_or_cut(tf.squeeze(audio, axis=-1))


def batch_features(waves, spec, batch=256):
    fn = tf.function(lambda x: features(x, spec))
    out = [fn(tf.constant(waves[i:i + batch])).numpy() for i in range(0, len(waves), batch)]
    return np.concatenate(out, 0).astype(np.float32)
