"""Training: features precomputed once per split, SpecAugment + mixup on the fly, Adam with step decay,
magnitude pruning (own masks; tfmot does not support Keras 3) for the little network."""
import json
import pathlib
import time

import keras
import numpy as np
import scipy.io.wavfile as wavfile
import tensorflow as tf

from . import LABELS
from . import features as F
from . import listen_data, models, negatives

# Per network: input features, epochs, base learning rate, epochs at which it is divided by 10, extras.
# The seed: little 35 epochs at 0.02 (/10 at 20, 25); big 32 epochs at 0.01 (/10 at 20, 25). The
# cooperative networks are trained shorter (two cores) and at 0.002: at 0.01 the big architecture on
# MFCC-32 collapsed to chance in its first epoch (every ReLU dead), measured on the validation split.
# coop3 (MobileNet) gets 35 epochs: after 15 it was still at 80 % on the validation split (92 % after 35).
# The other cooperative networks get 15 epochs.
#
# little also has per-utterance normalisation as its first layer (cmvn, models.CMVN) and its own seed: it is
# the second replicate of the cmvn experiment (README), shipped under a rule fixed before that run.
CONFIGS = {
    "little": dict(spec=F.STFT_64, epochs=35, lr=0.02, drops=(20, 25), prune=(0.30, 0.58, 5, 22), cmvn=True,
                   seed=2026),
    "big": dict(spec=F.MFCC_10, epochs=32, lr=0.01, drops=(20, 25), weight_decay=1e-4),
    "coop1": dict(spec=F.MFCC_32, epochs=15, lr=0.002, drops=(9, 12), weight_decay=1e-4),
    "coop2": dict(spec=F.MFCC_32, epochs=15, lr=0.002, drops=(9, 12), weight_decay=1e-4),
    "coop3": dict(spec=F.MFCC_32, epochs=35, lr=0.002, drops=(24, 30), weight_decay=1e-4),
    "coop4": dict(spec=F.MFCC_32, epochs=15, lr=0.002, drops=(9, 12), weight_decay=1e-4),
    "coop5": dict(spec=F.MFCC_32, epochs=15, lr=0.002, drops=(9, 12), weight_decay=1e-4),
}
# The listening variants (kws-native listen): little's and big's recipes, with _silence_ and _unknown_
# examples added to every split (kws_ref/listen_data.py).
CONFIGS["little-listen"] = dict(CONFIGS["little"], listen=True)
CONFIGS["big-listen"] = dict(CONFIGS["big"], listen=True)
# The listening variants ship with the recipes chosen on validation streams (docs/LISTENING.md): little-listen
# streammfcc_enskd (little's layer list on MFCC-10, without the per-window normalisation, distilled from three
# runs of that recipe, streammfcc_nocmvn), big-listen streamlibri.
CONFIGS["little-listen"]["recipe"] = "streammfcc_enskd"
CONFIGS["big-listen"]["recipe"] = "streamlibri"
BATCH = 64
SEED = 1234
STEPS_PER_EPOCH = 100                     # 6400 clips / 64
# "committed": the recipe of weights/ (train split only, one seed for every network). "train_aug": an
# experiment (see README): batches drawn from train + the second, more strongly perturbed rendering
# train_aug, each network with its own seed; an epoch stays STEPS_PER_EPOCH batches. On validation it was no
# better for little and big, so weights/ keep the committed recipe.
# "cmvn": the committed recipe with per-utterance feature normalisation as each model's first layer
# (models.build); reference/experiments/cmvn.py measured it first, as a feature-side normalisation.
# "cmn": the committed recipe with the per-utterance mean removed (not the spread), an experiment for big.
# "chanaug": the committed recipe with a random offset added to each training example's features, the same
# for every frame (in MFCC terms a random smooth equaliser: the long-term spectral envelope that voices and
# synthesisers differ in), per coefficient N(0, σ²) with σ the spread of the per-clip means over the
# training split; an experiment for big (README), the augmenting counterpart of cmn.
# "short": the committed recipe with every schedule scaled by 3/4 (epochs, learning-rate drops and the pruning
# window; schedule_of): a measurement of what training time costs in accuracy on this host (README), not a
# candidate chosen for accuracy.
# little-listen's recipe on STFT (shipped until streammfcc_nocmvn), which the STFT candidates vary (described below).
STREAMMORE = dict(splits=("train",), own_seed=False, stream_copies=4, dense_libri=True, schedule_scale=1.5, prune=False)
# The stream renderings' noise: a crop of the training noise at an RMS of U(0, STREAM_NOISE_RMS), the loudest
# of the evaluation streams' noise beds.
STREAM_NOISE_RMS = 0.02
# The shipped little-listen's recipe since streammfcc_nocmvn (streammore on MFCC-10 without the per-window
# normalisation), which the later listening candidates vary.
STREAMMFCC = dict(STREAMMORE, spec=F.MFCC_10, cmvn=False)
# Distillation from an ensemble of three runs of a recipe (teacher_recipe): the "..._enskd" recipes.
ENSEMBLE_KD = dict(teacher_seeds=(2026, 7, 11), teacher_weight=0.5, teacher_temperature=2.0)
RECIPES = {"committed": dict(splits=("train",), own_seed=False),
           "train_aug": dict(splits=("train", "train_aug"), own_seed=True),
           "cmvn": dict(splits=("train",), own_seed=False, cmvn=True),
           "cmn": dict(splits=("train",), own_seed=False, cmn=True),
           "chanaug": dict(splits=("train",), own_seed=False, channel_offsets=True),
           "short": dict(splits=("train",), own_seed=False, schedule_scale=0.75),
           "realaug": dict(splits=("train",), own_seed=False, wave_copies=4),
           "speed": dict(splits=("train",), own_seed=False, speed_factors=(0.9, 1.1)),
           "synth": dict(splits=("train",), own_seed=False, synthetic=True),
           "stream": dict(splits=("train",), own_seed=False, stream_copies=2),
           "streamlibri": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True),
           "streamfrag": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True,
                              negative_copies=4, negative_shift=8000),
           "streamfrag_nomix": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True,
                                    negative_copies=4, negative_shift=8000, mixup=False),
           "streamsynth": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True,
                               synth_unknown=True),
           "streamlibri_kd": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True,
                                  teacher="big-listen", teacher_weight=0.5, teacher_temperature=2.0),
           "streamrare": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True,
                              rare_copies=16, rare_below=50),
           "streamdense": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True, prune=False),
           "streamlong": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True, schedule_scale=1.5),
           "streammore": STREAMMORE,
           "streamwide": dict(STREAMMORE, width=0.54),
           "streammax": dict(STREAMMORE, stream_copies=8, schedule_scale=2.0),
           "streamloud": dict(STREAMMORE, stream_noise_rms=0.04),
           "streamlog": dict(STREAMMORE, spec=F.STFT_64_LOG),
           "streamrev": dict(STREAMMORE, reversed_copies=1),
           "streamspeedunk": dict(STREAMMORE, unknown_speed=(0.9, 1.1), unknown_speed_copies=2),
           "streamspeedunk4": dict(STREAMMORE, unknown_speed=(0.8, 0.9, 1.1, 1.2), unknown_speed_copies=2),
           "streammfcc": dict(STREAMMORE, spec=F.MFCC_10),
           "streammfcc_nocmvn": STREAMMFCC,
           "streammfccwide": dict(STREAMMFCC, width=0.54),
           "streammfcc_speedunk4": dict(STREAMMFCC, unknown_speed=(0.8, 0.9, 1.1, 1.2), unknown_speed_copies=2),
           "streammfcc_max": dict(STREAMMFCC, stream_copies=8, schedule_scale=2.0),
           "streammfcc32": dict(STREAMMFCC, spec=F.MFCC_32),
           "streammfcc_hard": dict(STREAMMFCC, hard_copies=8, hard_layouts=(31, 32, 33)),
           "streammfcc_ema": dict(STREAMMFCC, ema=0.999),
           "streammfcc_enskd": dict(STREAMMFCC, teacher_recipe="streammfcc_nocmvn", **ENSEMBLE_KD),
           "streammfcc_seg": dict(STREAMMFCC, segments=40, segment_copies=4),
           "streammfcc_wb": dict(STREAMMFCC, spec=F.MFCC_10_WB),
           "streammfcc_wb_enskd": dict(STREAMMFCC, spec=F.MFCC_10_WB, teacher_recipe="streammfcc_wb", **ENSEMBLE_KD),
           "streamlibri_nocmvn": dict(splits=("train",), own_seed=False, stream_copies=2, dense_libri=True, cmvn=False),
           "nospecaug": dict(splits=("train",), own_seed=False, specaugment=False),
           "nomixup": dict(splits=("train",), own_seed=False, mixup=False)}
# "realaug": for real speech (docs/TRAINING.md). The clean train split plus `wave_copies` renderings of it,
# each clip shifted in time by U(-100, 100) ms (zero-filled, as Speech Commands' time_shift_ms), scaled by a
# gain of U(-6, +6) dB and, with probability 0.8, mixed with a random crop of the real background noise at a
# volume U(0, 0.1) (Speech Commands' background_frequency and background_volume). Noise comes from
# DATA/_background_noise_ (Speech Commands' layout), the first 80 % of each file only: the last 20 % is kept
# for validation and test streams. Features of the renderings are computed once and cached like a split's;
# an epoch stays one pass's worth of batches of the clean split, so training costs what "committed" costs.
# "stream", "streamlibri": for the listening variants (docs/LISTENING.md). Every training example, keywords
# and negatives alike (so that the classes keep their proportions), rendered stream_copies more times as a
# stream window sees it: shifted by U(-250, 250) ms (where a word sits in a sliding one-second window), a gain
# of U(-6, +6) dB, and with probability 0.8 a crop of the training noise at an RMS of U(0, 0.02) (the
# streams' noise beds go from 0 to 0.02). streamlibri also takes every one-second crop of the training
# LibriSpeech utterances, half a second apart, into _unknown_ (instead of five an utterance).
# "streamfrag", "streamfrag_nomix": streamlibri with the negatives rendered negative_copies times instead of
# stream_copies, shifted by up to negative_shift samples (±500 ms): a window that holds only part of another
# word ("hap" of "happy") is still _unknown_; streamfrag_nomix also trains without mixup (mixing a keyword
# with an unknown word under a 70/30 label teaches that a partial keyword is mostly a keyword, and softens
# every probability the detector thresholds).
# "streamsynth": streamlibri with 1,800 synthesised other words (listen_data.SYNTH_UNKNOWN_WORDS, the
# synthesiser's training voices) in the training _unknown_ class, clean and in the stream renderings.
# "streamrare": streamlibri with rare_copies more stream renderings (augment_waves as stream_features) of
# every training clip of the other words that unknown_words/ holds fewer than rare_below clips of (nineteen
# words with 3 to 9 training clips each, against 310-330 for bed, cat and happy): the words heard as keywords
# (two as go, three as right, zero as no, off as up) are mostly those.
# "streamdense": streamlibri without magnitude pruning (little is pruned to 58 % for the size the seed's
# Big/Little sends; a listening network on the device keeps every weight it has anyway, dense kernels).
# "streamlong": streamlibri with every schedule 1.5 times as long (its renderings triple the examples, while
# an epoch stays one pass's worth of batches of the clean split).
# "streammore": the three that each came within a point above streamlibri together, and twice its renderings:
# four stream renderings of every example, 1.5 times the schedule, no pruning.
# "streamwide": streammore with little-listen twice as wide (width multiplier 0.54 instead of little's 0.27:
# 138 and 69 channels instead of 69 and 34; about four times the multiply-adds, which the listening budget
# affords: little-listen runs at a real-time factor of 0.0055 against a bar of 0.05).
# "streammax": streammore with twice its renderings again (eight stream renderings of every example) and
# twice the schedule (against 1.5 times).
# "streamloud": streammore with the stream renderings' noise at RMS U(0, 0.04) instead of U(0, 0.02), so that
# the streams' loudest noise bed (0.02) sits mid-range instead of at the edge of what training heard.
# "streamlog": streammore on log-compressed STFT magnitudes (features.STFT_64_LOG): little's features are
# linear magnitudes, where a quiet keyword over a noise bed is a small ripple; every other network here, like
# most keyword spotters, hears log-compressed spectra.
# "streamrev": streammore plus every training keyword clip played backwards, rendered once like a stream
# window, as _unknown_: sounds with a keyword's spectra in the wrong order (what other words that share a
# keyword's sounds are), from recordings the split already has.
# "streamspeedunk": streammore plus the training clips of the other words speed-perturbed by 0.9 and 1.1
# (speed_perturb: Kaldi's 3-way perturbation, new voices from the same recordings), two stream renderings of
# each, as _unknown_.
# "streamspeedunk4": streamspeedunk with four factors, 0.8, 0.9, 1.1 and 1.2.
# "streammfcc", "streammfcc_nocmvn": streammore on big's features, MFCC-10 (49 x 10, log-mel then DCT), in
# little's layer list and width (its first convolution strides (2, 1) on the narrow map, as big's does), with
# and without little's per-window normalisation layer. Of the networks here only little hears linear STFT
# magnitudes, and big-listen, on MFCC-10, finds 82.6 % of the validation streams' keywords where every
# little-listen recipe on STFT found 64-70 %. About 1.4 M multiply-adds a window against 10.9 M.
# "streammfccwide": streammfcc_nocmvn twice as wide (width multiplier 0.54, as streamwide).
# "streammfcc_speedunk4", "streammfcc_max": streamspeedunk4's and streammax's changes made to streammfcc_nocmvn
# (speed-perturbed other words as _unknown_; eight stream renderings and twice the schedule).
# "streammfcc32": streammfcc_nocmvn on 32 coefficients (the cooperative networks' MFCC-32, 49 x 32; the first
# convolution strides (2, 2) again): more of the spectral detail that tells "off" from "up".
# "streammfcc_hard": streammfcc_nocmvn plus hard negatives (kws_ref/hard_negatives.py): the windows of the
# training split's other words, laid out as the evaluation streams lay theirs out (three layouts), that the
# committed little-listen (weights/; a streammfcc_nocmvn run when the recipe was measured) comes near to hearing
# as a keyword (smoothed score >= 0.15, half that run's threshold), each rendered hard_copies times as a stream
# window, as _unknown_.
# The miner is trained on the same split, so nothing outside it is heard; the mined windows are what the
# network still confuses after training (mining false alarms, as wake-word systems do).
# "streammfcc_ema": streammfcc_nocmvn whose final weights are the exponential moving average of its weights over
# training (momentum 0.999 a step: about the last thousand steps, the last ten epochs; Keras's use_ema), a
# flatter point than the last step's.
# "streammfcc_enskd": streammfcc_nocmvn distilled from an ensemble: every training example's target is half its
# one-hot label and half the mean of three streammfcc_nocmvn runs' probabilities at temperature 2 (seeds 2026,
# the default, 7 and 11: OUT/models/teachers/seed-S/little-listen.h5, trained first when missing). Separate runs
# of one recipe differ by up to 9 points on the validation streams; their ensemble is steadier, and a
# distilled network costs one network's run.
# "streammfcc_seg": streammfcc_nocmvn plus 40 syllable-sized stretches of every training LibriSpeech utterance
# (listen_data.speech_segments: from one valley of the energy envelope to another, one to four syllables,
# 0.25-0.9 s, faded, alone in a second of silence), rendered four times as stream windows, as _unknown_:
# isolated word-like sounds of many words and 48 speakers, where unknown_words/ has 3-9 clips of most words.
# "streammfcc_wb": streammfcc_nocmvn on MFCC-10 over 20-8000 Hz instead of 20-4000 Hz (features.MFCC_10_WB);
# "streammfcc_wb_enskd" distils it from its three runs as streammfcc_enskd does streammfcc_nocmvn.
# "streamlibri_nocmvn": streamlibri without the per-utterance normalisation layer little has (a sliding
# window that holds part of a word and silence is normalised differently at every position).
# "streamlibri_kd": streamlibri with the big listening network as a teacher (knowledge distillation, Hinton
# et al. 2015): every training example's target is (1 - teacher_weight) x its one-hot label + teacher_weight x
# the teacher's probabilities at temperature teacher_temperature, computed once on the same examples (the
# teacher hears them through its own features; renderings are drawn from one seed whatever the features).
# The teacher is OUT/models/big-listen.h5 when train_all.py has trained one there, else weights/big-listen.h5.
# "nospecaug", "nomixup": the committed recipe without SpecAugment, or without mixup: each kept only if real
# speech says so (docs/TRAINING.md).
# "speed": for real speech (docs/TRAINING.md). The clean train split plus one rendering of it per factor in
# speed_factors, each clip resampled so that it plays that much faster (tempo, pitch and formants move
# together: Ko et al., Interspeech 2015, Kaldi's 3-way speed perturbation 0.9 / 1.0 / 1.1), centred back
# into one second. Cached like a split's; an epoch stays one pass's worth of batches of the clean split.
# "synth": for real speech (docs/TRAINING.md). The clean train split plus the synthesised train split
# (gen_data.py, kws_ref/synth.py: espeak-ng, flite and Piper voices) from --synth DIR; an epoch stays one
# pass's worth of batches of the real split.


def shipped_recipe(name):
    """The recipe the network in weights/ was trained with: its CONFIGS entry's, else committed."""
    return CONFIGS[name].get("recipe", "committed")


def features_of(name, recipe=None):
    """The feature spec a network hears under a recipe (default: the one it ships with): its CONFIGS entry's
    unless the recipe changes it (streamlog, streammfcc...)."""
    return schedule_of(name, recipe or shipped_recipe(name))["spec"]


def schedule_of(name, recipe="committed"):
    """The network's CONFIGS entry with epochs, learning-rate drops and pruning window scaled by the recipe's
    schedule_scale (rounded to whole epochs; the order of the drops and the fine-tuning after pruning kept)."""
    cfg = dict(CONFIGS[name])
    if RECIPES[recipe].get("spec"):
        cfg["spec"] = RECIPES[recipe]["spec"]
    if RECIPES[recipe].get("prune") is False:
        cfg["prune"] = None
    scale = RECIPES[recipe].get("schedule_scale")
    if scale:
        cfg["epochs"] = round(cfg["epochs"] * scale)
        cfg["drops"] = tuple(round(d * scale) for d in cfg["drops"])
        if cfg.get("prune"):
            s0, s1, e0, e1 = cfg["prune"]
            cfg["prune"] = (s0, s1, round(e0 * scale), round(e1 * scale))
    return cfg


def seed_of(name, recipe="committed"):
    """The committed recipe uses SEED for every network but one with a seed of its own in CONFIGS;
    train_aug gives each network its own (initialisation, order, augmentation) to decorrelate the voters."""
    if RECIPES[recipe]["own_seed"]:
        return SEED + 1000 * list(CONFIGS).index(name)
    return CONFIGS[name].get("seed", SEED)


def uses_cmvn(name, recipe="committed"):
    """Whether the network gets the per-utterance normalisation layer: always in the cmvn recipe, and where
    its CONFIGS entry says so."""
    if RECIPES[recipe].get("cmvn") is not None:       # the recipe decides (cmvn: on, streamlibri_nocmvn: off)
        return bool(RECIPES[recipe]["cmvn"])
    return bool(CONFIGS[name].get("cmvn"))


def uses_cmn(name, recipe="committed"):
    """Whether the network gets the mean-only normalisation front (the cmn recipe, or its CONFIGS entry)."""
    return bool(RECIPES[recipe].get("cmn") or CONFIGS[name].get("cmn")) and not uses_cmvn(name, recipe)


def split_file(data_root, split):
    """Where a split's list is: the generator's layout (ROOT/<split>/<split>_split.txt, paths relative to
    ROOT/<split>) or a real mini_speech_commands directory (ROOT/<split>_split.txt or the course's
    ROOT/kws_<split>_split.txt, paths relative to ROOT). -> (base directory, split file) or None."""
    root = pathlib.Path(data_root)
    for base, f in ((root / split, root / split / f"{split}_split.txt"), (root, root / f"{split}_split.txt"),
                    (root, root / f"kws_{split}_split.txt")):
        if f.exists():
            return base, f
    return None


def _resolve(base, line):
    """A split line as a path under base: as written, or its last two components (<label>/<clip>.wav) when
    the list was written from elsewhere (the course's files say data/mini_speech_commands/<label>/...)."""
    rel = line.strip()
    if (base / rel).exists():
        return rel
    return "/".join(pathlib.PurePosixPath(rel).parts[-2:])


def _listing(root, split, listing=None):
    """The split list's relative paths (resolved under root) and their class ids; labels come from the
    paths, so this reads no audio."""
    listing = pathlib.Path(listing) if listing else pathlib.Path(root) / f"{split}_split.txt"
    rels = [_resolve(pathlib.Path(root), l) for l in listing.read_text().split("\n") if l.strip()]
    labels = []
    for r in rels:
        label = r.split("/")[0]
        if label not in LABELS:
            raise ValueError(f"{listing}: {r}: label {label!r} is not one of {LABELS}")
        labels.append(LABELS.index(label))
    return rels, np.array(labels, np.int32)


def read_split(root, split, listing=None):
    """-> (waves (N, 16000) float32, labels (N,), relative paths) in split-file order. Shorter clips are
    zero-padded, longer ones cut (as the Swift side does); anything but 16 kHz 16-bit mono is an error."""
    root = pathlib.Path(root)
    rels, labels = _listing(root, split, listing)
    waves = np.zeros((len(rels), 16000), np.float32)
    for i, rel in enumerate(rels):
        rate, x = wavfile.read(root / rel)
        if rate != 16000 or x.dtype != np.int16 or x.ndim != 1:
            raise ValueError(f"{root / rel}: need 16 kHz 16-bit mono PCM, found {rate} Hz {x.dtype} {x.shape}")
        x = x.astype(np.float32) / 32768.0
        waves[i, :min(len(x), 16000)] = x[:16000]
    return waves, labels, rels


def _found(data_root, split):
    found = split_file(data_root, split)
    if found is None:
        raise FileNotFoundError(f"{data_root}: no {split} split (looked for {split}/{split}_split.txt, "
                                f"{split}_split.txt and kws_{split}_split.txt)")
    return found


def load_split(data_root, split):
    base, listing = _found(data_root, split)
    return read_split(base, split, listing)


def split_labels(data_root, split):
    """Class ids of a split in split-file order, from its list alone (no audio is read)."""
    base, listing = _found(data_root, split)
    return _listing(base, split, listing)[1]


def _split_fingerprint(data_root, split):
    """Short hash of a split's list and of each listed file's size and modification time: regenerated or
    different data gets a new cache entry instead of silently reusing stale features."""
    import hashlib
    base, listing = split_file(data_root, split)
    h = hashlib.sha256(str(pathlib.Path(base).resolve()).encode())
    for line in listing.read_text().split():
        st = (base / _resolve(base, line)).stat()
        h.update(f"{line}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:12]


def cached_features(cache, data_root, split, spec):
    name = f"{split}_{F.spec_tag(spec)}_{_split_fingerprint(data_root, split)}.npy"
    path = pathlib.Path(cache) / name
    if path.exists():
        return np.load(path)
    waves, _, _ = load_split(data_root, split)
    feats = F.batch_features(waves, spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, feats)
    return feats


def training_noise(data_root):
    """The training part of the background noise (listen_data.noise_parts; the first 80 % of each file), which
    the realaug recipe mixes in."""
    return listen_data.noise_parts(data_root, "train")


def augment_waves(waves, noise, rng, shift=1600, gain_db=6.0, noise_p=0.8, noise_volume=0.1, noise_rms=None):
    """One rendering of every clip (N x 16000): time shift U(-shift, shift) samples zero-filled, gain
    U(-gain_db, gain_db) dB, and with probability noise_p a random 1 s noise crop times U(0, noise_volume)
    added (with noise_rms: the crop scaled to an RMS of U(0, noise_rms) instead); clipped to [-1, 1] like a
    16-bit recording."""
    n, length = waves.shape
    out = np.zeros_like(waves)
    shifts = rng.integers(-shift, shift + 1, n)
    gains = 10.0 ** (rng.uniform(-gain_db, gain_db, n) / 20.0)
    for i in range(n):
        s = shifts[i]
        if s >= 0:
            out[i, s:] = waves[i, :length - s]
        else:
            out[i, :length + s] = waves[i, -s:]
        out[i] *= gains[i]
        if noise and rng.uniform() < noise_p:
            src = noise[rng.integers(len(noise))]
            start = rng.integers(0, len(src) - length + 1)
            crop = src[start:start + length]
            if noise_rms is None:
                out[i] += rng.uniform(0, noise_volume) * crop
            else:
                r = float(np.sqrt(np.mean(np.square(crop, dtype=np.float64))))
                out[i] += (rng.uniform(0, noise_rms) / r if r > 0 else 0.0) * crop
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def augmented_features(cache, data_root, spec, copies, seed):
    """Features of `copies` renderings of the train split (augment_waves; the same waves for every network
    with this seed, whatever its features), cached like a split's. -> (copies * N, H, W, 1), labels."""
    fp = _split_fingerprint(data_root, "train")
    name = f"train_realaug{copies}s{seed}_{F.spec_tag(spec)}_{fp}.npy"
    path = pathlib.Path(cache) / name
    labels = np.tile(split_labels(data_root, "train"), copies)
    if path.exists():
        return np.load(path), labels
    waves, _, _ = load_split(data_root, "train")
    noise = training_noise(data_root)
    rng = np.random.default_rng(seed)
    feats = np.concatenate([F.batch_features(augment_waves(waves, noise, rng), spec) for _ in range(copies)])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, feats)
    return feats, labels


AUG_SEED = 99


def speed_perturb(waves, factor):
    """Every clip (N x 16000) resampled to play `factor` times faster (scipy's polyphase resampler, factor as
    a ratio of small integers), then centred back into 16000 samples: cut evenly at both ends when it got
    longer, zero-padded evenly when it got shorter."""
    from fractions import Fraction
    import scipy.signal as sps
    ratio = Fraction(factor).limit_denominator(20)        # 0.9 -> 9/10: 10 samples become 9
    n, length = waves.shape
    out = np.zeros_like(waves)
    for i in range(n):
        y = sps.resample_poly(waves[i], ratio.denominator, ratio.numerator).astype(np.float32)
        if len(y) >= length:
            a = (len(y) - length) // 2
            out[i] = y[a:a + length]
        else:
            a = (length - len(y)) // 2
            out[i, a:a + len(y)] = y
    return np.clip(out, -1.0, 1.0)


def speed_features(cache, data_root, spec, factors):
    """Features of one speed_perturb rendering of the train split per factor, cached. -> (len(factors) * N,
    H, W, 1), labels."""
    fp = _split_fingerprint(data_root, "train")
    tag = "-".join(f"{f:g}" for f in factors)
    path = pathlib.Path(cache) / f"train_speed{tag}_{F.spec_tag(spec)}_{fp}.npy"
    labels = np.tile(split_labels(data_root, "train"), len(factors))
    if path.exists():
        return np.load(path), labels
    waves, _, _ = load_split(data_root, "train")
    feats = np.concatenate([F.batch_features(speed_perturb(waves, f), spec) for f in factors])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, feats)
    return feats, labels


def synthetic_features(cache, synth_root, spec):
    """Features and labels of the synthesised train split under synth_root (gen_data.py's layout,
    ROOT/train/train_split.txt), cached. An error if it is not there."""
    if not synth_root or not split_file(synth_root, "train"):
        raise FileNotFoundError(f"{synth_root}: no synthesised train split (run reference/gen_data.py DIR train "
                                f"and pass --synth DIR)")
    return cached_features(cache, synth_root, "train", spec), split_labels(synth_root, "train")


def _extra_fingerprint(data_root):
    """Short hash of the non-keyword sources' listing (names, sizes, times) under data_root."""
    import hashlib
    h = hashlib.sha256()
    for d in (listen_data.UNKNOWN_DIR, listen_data.LIBRI_DIR, listen_data.NOISE_DIR):
        for f in sorted((pathlib.Path(data_root) / d).rglob("*")):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.relative_to(data_root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:12]


def negative_features(cache, data_root, split, spec, dense_libri=False, synth_unknown=False):
    """Features and labels of the split's _silence_ and _unknown_ examples (listen_data), cached; with
    dense_libri every LibriSpeech crop half a second apart instead of five an utterance."""
    n_keywords = len(split_labels(data_root, split))
    dense = ("dense" if dense_libri else "") + ("synth" if synth_unknown else "")
    name = f"{split}_negatives{dense}_{F.spec_tag(spec)}_{_extra_fingerprint(data_root)}"
    path = pathlib.Path(cache) / f"{name}.npz"
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    waves, labels = _negative_waves(data_root, split, n_keywords, dense_libri, synth_unknown)
    x = F.batch_features(waves, spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x, y=labels)
    return x, labels


def _negative_waves(data_root, split, n_keywords, dense_libri=False, synth_unknown=False):
    if dense_libri:
        waves, labels = listen_data.negative_waves(data_root, split, n_keywords, libri_crops=None, libri_stride=8000)
    else:
        waves, labels = listen_data.negative_waves(data_root, split, n_keywords)
    if synth_unknown and split == "train":
        sw, sl = listen_data.synthetic_unknown_waves()
        waves, labels = np.concatenate([waves, sw]), np.concatenate([labels, sl])
    return waves, labels


def _unknown_renderings(path, data_root, spec, copies, rng, sources):
    """Features and labels (_unknown_) of `copies` stream-window renderings (augment_waves as stream_features)
    of each wave array that sources() returns, in order; cached at `path`."""
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    noise = training_noise(data_root)
    x = np.concatenate([F.batch_features(augment_waves(waves, noise, rng, shift=4000, noise_rms=STREAM_NOISE_RMS), spec)
                        for waves in sources() for _ in range(copies)])
    y = np.full(len(x), listen_data.UNKNOWN, np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x, y=y)
    return x, y


def _other_word_waves(files):
    return np.stack([listen_data.one_second(listen_data.read_audio(f)) for f in files])


def rare_word_features(cache, data_root, spec, copies, below, seed):
    """Features and labels (_unknown_) of `copies` stream-window renderings of the training clips of every
    other word with fewer than `below` training clips; cached."""
    files = negatives.unknown_words(pathlib.Path(data_root) / listen_data.UNKNOWN_DIR, "train")
    counts = {}
    for f in files:
        counts[pathlib.Path(f).parent.name] = counts.get(pathlib.Path(f).parent.name, 0) + 1
    rare = [f for f in files if counts[pathlib.Path(f).parent.name] < below]
    fp = _extra_fingerprint(data_root)
    path = pathlib.Path(cache) / f"train_rare{copies}b{below}s{seed}_{F.spec_tag(spec)}_{fp}.npz"
    return _unknown_renderings(path, data_root, spec, copies, np.random.default_rng(seed + 1),
                               lambda: [_other_word_waves(rare)])


def hard_negative_features(cache, data_root, spec, copies, layouts, seed):
    """Features and labels (_unknown_) of `copies` stream-window renderings of the hard negatives that the
    committed little-listen mines from the training split's other words, one stream layout per seed in
    `layouts` (kws_ref/hard_negatives.py); cached by the miner's bytes too."""
    import hashlib
    from . import hard_negatives
    miner_path = pathlib.Path(__file__).resolve().parents[2] / "weights" / "little-listen.h5"
    manifest = json.loads((miner_path.parent / "manifest.json").read_text())
    miner_entry = next(n for n in manifest["networks"] if n["name"] == "little-listen")
    tag = hashlib.sha256(miner_path.read_bytes()).hexdigest()[:8]
    lays = "-".join(map(str, layouts))
    path = pathlib.Path(cache) / f"train_hard{copies}l{lays}s{seed}m{tag}_{F.spec_tag(spec)}_{_extra_fingerprint(data_root)}.npz"

    def sources():
        miner = keras.models.load_model(miner_path, compile=False)
        found = [hard_negatives.mine(miner, miner_entry["labels"], miner_entry["features"],
                                     hard_negatives.training_word_stream(data_root, layout))[0] for layout in layouts]
        waves = np.concatenate(found)
        print(f"hard negatives: {len(waves)} windows mined by {miner_path.name} from {len(layouts)} layouts", flush=True)
        return [waves]
    return _unknown_renderings(path, data_root, spec, copies, np.random.default_rng(seed + 4), sources)


def reversed_features(cache, data_root, spec, copies, seed):
    """Features and labels (_unknown_) of `copies` stream-window renderings of every training keyword clip
    played backwards; cached."""
    fp = _split_fingerprint(data_root, "train")
    path = pathlib.Path(cache) / f"train_reversed{copies}s{seed}_{F.spec_tag(spec)}_{fp}.npz"
    return _unknown_renderings(path, data_root, spec, copies, np.random.default_rng(seed + 2),
                               lambda: [np.ascontiguousarray(load_split(data_root, "train")[0][:, ::-1])])


def speed_unknown_features(cache, data_root, spec, factors, copies, seed):
    """Features and labels (_unknown_) of the training clips of the other words, each speed-perturbed by
    every factor (speed_perturb) and rendered `copies` times; cached."""
    files = negatives.unknown_words(pathlib.Path(data_root) / listen_data.UNKNOWN_DIR, "train")
    tag = "-".join(f"{f:g}" for f in factors)
    path = pathlib.Path(cache) / f"train_speedunk{tag}x{copies}s{seed}_{F.spec_tag(spec)}_{_extra_fingerprint(data_root)}.npz"

    def sources():
        waves = _other_word_waves(files)
        return [speed_perturb(waves, f) for f in factors]
    return _unknown_renderings(path, data_root, spec, copies, np.random.default_rng(seed + 3), sources)


def segment_features(cache, data_root, spec, per_utterance, copies, seed):
    """Features and labels (_unknown_) of `copies` stream-window renderings of `per_utterance` syllable-sized
    stretches of every training LibriSpeech utterance (listen_data.librispeech_segments); cached."""
    path = pathlib.Path(cache) / f"train_seg{per_utterance}x{copies}s{seed}_{F.spec_tag(spec)}_{_extra_fingerprint(data_root)}.npz"
    return _unknown_renderings(path, data_root, spec, copies, np.random.default_rng(seed + 5),
                               lambda: [listen_data.librispeech_segments(data_root, "train", per_utterance, seed)])


def stream_features(cache, data_root, spec, copies, seed, dense_libri=False, negative_copies=None,
                    negative_shift=4000, synth_unknown=False, noise_rms=STREAM_NOISE_RMS):
    """Features and labels of `copies` stream-window renderings (augment_waves: shift U(-250, 250) ms, gain
    U(-6, +6) dB, with p 0.8 training noise at RMS U(0, noise_rms)) of every training keyword, and of
    `negative_copies` (default `copies`) renderings of every negative, shifted by up to `negative_shift`
    samples; cached."""
    negative_copies = copies if negative_copies is None else negative_copies
    fp = _split_fingerprint(data_root, "train") + _extra_fingerprint(data_root)
    dense = ("dense" if dense_libri else "") + ("synth" if synth_unknown else "")
    loud = "" if noise_rms == STREAM_NOISE_RMS else f"r{noise_rms:g}"
    neg = "" if (negative_copies, negative_shift) == (copies, 4000) else f"n{negative_copies}x{negative_shift}"
    name = f"train_stream{copies}{dense}{loud}{neg}s{seed}_{F.spec_tag(spec)}_{fp}.npz"
    path = pathlib.Path(cache) / name
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    waves, labels, _ = load_split(data_root, "train")
    neg_waves, neg_labels = _negative_waves(data_root, "train", len(labels), dense_libri, synth_unknown)
    noise = training_noise(data_root)
    rng = np.random.default_rng(seed)
    if negative_copies == copies and negative_shift == 4000:
        # Keywords and negatives in one pass (the stream and streamlibri caches were made this way).
        waves, labels = np.concatenate([waves, neg_waves]), np.concatenate([labels, neg_labels])
        x = np.concatenate([F.batch_features(augment_waves(waves, noise, rng, shift=4000, noise_rms=noise_rms), spec)
                            for _ in range(copies)])
        y = np.tile(labels, copies)
    else:
        xs = [F.batch_features(augment_waves(waves, noise, rng, shift=4000, noise_rms=noise_rms), spec) for _ in range(copies)]
        xs += [F.batch_features(augment_waves(neg_waves, noise, rng, shift=negative_shift, noise_rms=noise_rms), spec)
               for _ in range(negative_copies)]
        x = np.concatenate(xs)
        y = np.concatenate([np.tile(labels, copies), np.tile(neg_labels, negative_copies)])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x, y=y)
    return x, y


def _spec_augment(x, rng_seed):
    """One time mask and one frequency mask (up to 15 % each), filled with the example's mean."""
    def mask_axis(x, axis, seed):
        size = tf.shape(x)[axis]
        width = tf.random.stateless_uniform([], seed, 0, tf.maximum(1, size * 15 // 100), tf.int32)
        start = tf.random.stateless_uniform([], seed + 1, 0, size - width + 1, tf.int32)
        idx = tf.range(size)
        keep = tf.logical_or(idx < start, idx >= start + width)
        shape = [1, 1, 1]
        shape[axis] = size
        return tf.reshape(tf.cast(keep, x.dtype), shape)
    mean = tf.reduce_mean(x)
    m = mask_axis(x, 0, rng_seed) * mask_axis(x, 1, rng_seed + 7)
    return x * m + mean * (1 - m)


def channel_offset_std(x):
    """Per feature column, the standard deviation over clips of each clip's mean over time (x: clips × time ×
    columns × 1): the natural spread of the long-term envelope the chanaug recipe perturbs."""
    return x.mean(axis=1).std(axis=0).astype(np.float32)                  # columns × 1


def channel_offset(x, rng_seed, offset_std):
    """x (time × columns × 1) plus one N(0, offset_std²) offset per column, the same in every frame."""
    return x + tf.random.stateless_normal(tf.shape(offset_std), rng_seed) * tf.cast(offset_std, x.dtype)[tf.newaxis]


def train_dataset(x, y, seed, repeat=False, offset_std=None, classes=len(LABELS), mixup=True, specaugment=True):
    """Batches of (features, target): y holds class indices (one-hot targets) or, 2-D, the targets."""
    n = len(x)
    y1 = tf.one_hot(y, classes) if np.ndim(y) == 1 else tf.constant(y, tf.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y1, tf.range(n, dtype=tf.int32)))
    ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    def aug(xi, yi, i):
        s = tf.stack([tf.cast(i, tf.int32), tf.random.uniform([], 0, 1 << 30, tf.int32, seed=seed)])
        if offset_std is not None:
            xi = channel_offset(xi, s + 1, offset_std)
        if not specaugment:
            return xi, yi
        return tf.cond(tf.random.stateless_uniform([], s) < 0.8, lambda: _spec_augment(xi, s), lambda: xi), yi

    ds = ds.map(aug, num_parallel_calls=2).batch(BATCH, drop_remainder=True)

    def mix(xb, yb):
        lam = tf.random.uniform([BATCH, 1], 0.0, 0.3)          # mix a little of a shuffled partner in
        lam = tf.where(tf.random.uniform([BATCH, 1]) < 0.5, lam, tf.zeros_like(lam))
        perm = tf.random.shuffle(tf.range(BATCH))
        xl = tf.reshape(lam, [BATCH, 1, 1, 1])
        return (1 - xl) * xb + xl * tf.gather(xb, perm), (1 - lam) * yb + lam * tf.gather(yb, perm)

    if not mixup:
        return ds.prefetch(2)
    return ds.map(mix, num_parallel_calls=2).prefetch(2)


class MagnitudePruning(keras.callbacks.Callback):
    """Polynomial (cubic) sparsity schedule s0 -> s1 between begin and end step, masks recomputed every
    `every` steps by magnitude per layer and applied after every batch; exact final sparsity."""

    def __init__(self, s0, s1, begin, end, every=25):
        super().__init__()
        self.s0, self.s1, self.begin, self.end, self.every = s0, s1, begin, end, every
        self.masks = {}

    def prunable(self):
        return [l for l in self.model.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))]

    def target(self, step):
        if step < self.begin:
            return 0.0
        t = min(1.0, (step - self.begin) / max(1, self.end - self.begin))
        return self.s1 + (self.s0 - self.s1) * (1 - t) ** 3

    def _update_masks(self, sparsity):
        for layer in self.prunable():
            w = layer.kernel.numpy()
            k = int(round(sparsity * w.size))
            mask = np.ones(w.size, np.float32)
            if k:
                mask[np.argsort(np.abs(w).ravel(), kind="stable")[:k]] = 0
            self.masks[layer.name] = mask.reshape(w.shape)

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step >= self.begin and (step <= self.end and (step - self.begin) % self.every == 0 or not self.masks):
            self._update_masks(self.target(step))
        for layer in self.prunable():
            if layer.name in self.masks:
                layer.kernel.assign(layer.kernel * self.masks[layer.name])

    def finalize(self):
        self._update_masks(self.s1)
        for layer in self.prunable():
            layer.kernel.assign(layer.kernel * self.masks[layer.name])


def sparsity_of(model):
    zeros = total = 0
    for l in model.layers:
        if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense)):
            w = l.kernel.numpy()
            zeros += int((w == 0).sum())
            total += w.size
    return zeros / max(1, total)


def training_splits(data_root, recipe="committed"):
    """The recipe's training splits that are there (a real data set has only train)."""
    return [s for s in RECIPES[recipe]["splits"] if split_file(data_root, s)]


def compiled_model(name, optimizer, recipe="committed"):
    """The network as the recipe builds it (with its normalisation front, if any), compiled for training on
    one-hot (or mixed) labels and logits."""
    spec = RECIPES[recipe].get("spec")
    model = models.build(name, cmvn=uses_cmvn(name, recipe), cmn=uses_cmn(name, recipe),
                         alpha=RECIPES[recipe].get("width"), shape=F.input_shape(spec) if spec else None)
    model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def extra_training_parts(cache, data_root, spec, recipe, synth_root=None):
    """The recipe's extra training material beyond the clean splits: {part name: (features, labels)}."""
    r = RECIPES[recipe]
    parts = {}
    if r.get("wave_copies"):
        parts["train_realaug"] = augmented_features(cache, data_root, spec, r["wave_copies"], AUG_SEED)
    if r.get("speed_factors"):
        parts["train_speed"] = speed_features(cache, data_root, spec, r["speed_factors"])
    if r.get("synthetic"):
        parts["train_synthetic"] = synthetic_features(cache, synth_root, spec)
    if r.get("rare_copies"):
        parts["train_rare"] = rare_word_features(cache, data_root, spec, r["rare_copies"], r["rare_below"], AUG_SEED)
    if r.get("reversed_copies"):
        parts["train_reversed"] = reversed_features(cache, data_root, spec, r["reversed_copies"], AUG_SEED)
    if r.get("unknown_speed"):
        parts["train_speed_unknown"] = speed_unknown_features(cache, data_root, spec, r["unknown_speed"],
                                                              r["unknown_speed_copies"], AUG_SEED)
    if r.get("hard_copies"):
        parts["train_hard"] = hard_negative_features(cache, data_root, spec, r["hard_copies"], r["hard_layouts"],
                                                     AUG_SEED)
    if r.get("segments"):
        parts["train_segments"] = segment_features(cache, data_root, spec, r["segments"], r["segment_copies"], AUG_SEED)
    if r.get("stream_copies"):
        parts["train_stream"] = stream_features(cache, data_root, spec, r["stream_copies"], AUG_SEED,
                                                r.get("dense_libri", False), r.get("negative_copies"),
                                                r.get("negative_shift", 4000), r.get("synth_unknown", False),
                                                r.get("stream_noise_rms", STREAM_NOISE_RMS))
    return parts


def training_arrays(cfg, spec, cache, data_root, recipe, synth_root=None):
    """The recipe's training examples as `spec` features, in one fixed order (the clean splits, the listening
    variants' negatives, the extra parts): -> (parts {name: features}, x, y, clean count, extra parts)."""
    splits = training_splits(data_root, recipe)
    parts = {s: cached_features(cache, data_root, s, spec) for s in splits}
    x = np.concatenate(list(parts.values()))
    y = np.concatenate([split_labels(data_root, s) for s in splits])
    if cfg.get("listen"):
        xn, yn = negative_features(cache, data_root, "train", spec, RECIPES[recipe].get("dense_libri", False),
                                   RECIPES[recipe].get("synth_unknown", False))
        parts["train_negatives"] = xn
        x, y = np.concatenate([x, xn]), np.concatenate([y, yn])
    clean = len(x)
    extra = extra_training_parts(cache, data_root, spec, recipe, synth_root)
    for part, (xa, ya) in extra.items():
        parts[part] = xa
        x, y = np.concatenate([x, xa]), np.concatenate([y, ya])
    return parts, x, y, clean, extra


def teacher_targets(cfg, cache, data_root, out_dir, recipe, synth_root, y, classes, log=print):
    """The distillation targets of the recipe's training examples (see "streamlibri_kd")."""
    r = RECIPES[recipe]
    teacher = r["teacher"]
    fresh = pathlib.Path(out_dir) / f"{teacher}.h5"
    path = fresh if fresh.exists() else pathlib.Path(__file__).resolve().parents[2] / "weights" / f"{teacher}.h5"
    _, xt, yt, _, _ = training_arrays(CONFIGS[teacher], CONFIGS[teacher]["spec"], cache, data_root, recipe, synth_root)
    if not np.array_equal(yt, y):
        raise ValueError(f"the teacher's training examples are not the student's ({len(yt)} against {len(y)})")
    logits, soft = tempered_probabilities(path, xt, r["teacher_temperature"], batch_size=512)
    log(f"teacher {path}: agrees with the labels on {np.mean(np.argmax(logits, 1) == y):.4f} of {len(y)} examples")
    return distillation_targets(y, classes, soft, r["teacher_weight"])


def tempered_probabilities(path, x, temperature, batch_size):
    """-> (logits, softmax(logits / temperature)) of the Keras network saved at `path` on `x`."""
    logits = keras.models.load_model(path, compile=False).predict(x, batch_size=batch_size, verbose=0)
    z = logits / temperature
    p = np.exp(z - z.max(1, keepdims=True))
    return logits, p / p.sum(1, keepdims=True)


def distillation_targets(y, classes, soft, weight):
    """(1 - weight) x the one-hot labels + weight x the teachers' probabilities `soft`."""
    return ((1 - weight) * np.eye(classes, dtype=np.float32)[y] + weight * soft).astype(np.float32)


def teacher_paths(name, out_dir, recipe):
    """Where the ensemble teachers of a recipe with teacher_seeds live: OUT/models/teachers/seed-S/NAME.h5."""
    return [pathlib.Path(out_dir) / "teachers" / f"seed-{s}" / f"{name}.h5" for s in RECIPES[recipe]["teacher_seeds"]]


def ensemble_targets(name, x, y, data_root, cache, out_dir, recipe, classes, log=print, synth_root=None):
    """The distillation targets of "streammfcc_enskd": the mean of the teachers' tempered probabilities on the
    student's own training examples (the teachers hear the same features), mixed with the one-hot labels. A
    teacher not yet trained is trained first (its recipe, its seed)."""
    r = RECIPES[recipe]
    soft = np.zeros((len(x), classes), np.float32)
    for seed, path in zip(r["teacher_seeds"], teacher_paths(name, out_dir, recipe)):
        if not path.exists():
            log(f"{name}: training teacher {r['teacher_recipe']} seed {seed} into {path.parent}")
            train(name, data_root, cache, path.parent, log, recipe=r["teacher_recipe"], seed=seed, synth_root=synth_root)
        logits, p = tempered_probabilities(path, x, r["teacher_temperature"], batch_size=1024)
        soft += p / len(r["teacher_seeds"])
        log(f"teacher seed {seed}: agrees with the labels on {np.mean(np.argmax(logits, 1) == y):.4f} of {len(y)}")
    return distillation_targets(y, classes, soft, r["teacher_weight"])


def train(name, data_root, cache, out_dir, log=print, recipe="committed", seed=None, synth_root=None):
    """Train one network; `seed` overrides the recipe's (an independent replicate of a recipe); synth_root is
    the synthesised data set the synth recipe adds."""
    cfg = schedule_of(name, recipe)
    seed = seed_of(name, recipe) if seed is None else seed
    keras.utils.set_random_seed(seed)
    if RECIPES[recipe].get("stream_copies") and not cfg.get("listen"):
        raise ValueError(f"the {recipe} recipe renders _silence_ and _unknown_ examples too: it is for the "
                         f"listening variants (little-listen, big-listen), not {name}")
    classes = len(listen_data.LISTEN_LABELS) if cfg.get("listen") else len(LABELS)
    parts, xtr, ytr, clean, extra = training_arrays(cfg, cfg["spec"], cache, data_root, recipe, synth_root)
    targets = ytr
    if RECIPES[recipe].get("teacher"):
        targets = teacher_targets(cfg, cache, data_root, out_dir, recipe, synth_root, ytr, classes, log)
    if RECIPES[recipe].get("teacher_seeds"):
        untrained = not all(p.exists() for p in teacher_paths(name, out_dir, recipe))
        targets = ensemble_targets(name, xtr, ytr, data_root, cache, out_dir, recipe, classes, log, synth_root)
        if untrained:                     # training the teachers re-seeded everything: the student's seed again
            keras.utils.set_random_seed(seed)
    xva = cached_features(cache, data_root, "val", cfg["spec"])
    yva = split_labels(data_root, "val")
    if cfg.get("listen"):
        xn, yn = negative_features(cache, data_root, "val", cfg["spec"])
        xva, yva = np.concatenate([xva, xn]), np.concatenate([yva, yn])
    repeat = len(parts) > 1               # several renderings: fixed-length epochs over an endless stream
    steps = (clean // BATCH if extra else STEPS_PER_EPOCH) if repeat else len(xtr) // BATCH
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [d * steps for d in cfg["drops"]], [cfg["lr"], cfg["lr"] / 10, cfg["lr"] / 100])
    ema = dict(use_ema=bool(RECIPES[recipe].get("ema")), ema_momentum=RECIPES[recipe].get("ema", 0.99))
    if cfg.get("weight_decay"):
        opt = keras.optimizers.AdamW(schedule, weight_decay=cfg["weight_decay"] / cfg["lr"], **ema)
    else:
        opt = keras.optimizers.Adam(schedule, **ema)
    model = compiled_model(name, opt, recipe)
    callbacks = []
    pruning = None
    if cfg.get("prune"):
        s0, s1, e0, e1 = cfg["prune"]
        pruning = MagnitudePruning(s0, s1, e0 * steps, e1 * steps)
        callbacks.append(pruning)

    class Log(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.time()

        def on_epoch_end(self, epoch, logs=None):
            log(f"{name} epoch {epoch + 1}/{cfg['epochs']} loss {logs['loss']:.3f} acc {logs['accuracy']:.3f} "
                f"val_acc {logs['val_accuracy']:.3f} ({time.time() - self.t:.0f} s)")
    callbacks.append(Log())
    t0 = time.time()
    yva1 = tf.one_hot(yva, classes)
    offset_std = channel_offset_std(xtr) if RECIPES[recipe].get("channel_offsets") else None
    history = model.fit(train_dataset(xtr, targets, seed, repeat, offset_std, classes,
                                              mixup=RECIPES[recipe].get("mixup", True),
                                              specaugment=RECIPES[recipe].get("specaugment", True)), epochs=cfg["epochs"], steps_per_epoch=steps,
                        validation_data=(xva, yva1), callbacks=callbacks, verbose=0)
    if pruning:
        pruning.finalize()
    val_acc = float(np.mean(np.argmax(model.predict(xva, verbose=0), -1) == yva))
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / f"{name}.h5", include_optimizer=False)
    info = {"name": name, "recipe": recipe, "labels": listen_data.LISTEN_LABELS if cfg.get("listen") else LABELS, "epochs": cfg["epochs"], "steps_per_epoch": steps, "batch": BATCH,
            "seed": seed, "cmvn": uses_cmvn(name, recipe), "cmn": uses_cmn(name, recipe),
            "channel_offset_std": None if offset_std is None else [round(float(v), 4) for v in offset_std.ravel()],
            "training_splits": {s: len(x) for s, x in parts.items()},
            "optimizer": type(opt).__name__,
            "lr": cfg["lr"], "lr_drops_at_epochs": list(cfg["drops"]), "weight_decay": cfg.get("weight_decay"),
            "pruning": cfg.get("prune"), "augmentation": ", ".join(
                (["SpecAugment (1 time + 1 freq mask <=15 %, p 0.8)"] if RECIPES[recipe].get("specaugment", True) else [])
                + (["mixup (lambda U(0, 0.3), p 0.5)"] if RECIPES[recipe].get("mixup", True) else []))
            + "".join(f"; {p}" for p in extra), "train_seconds": round(time.time() - t0, 1),
            "val_accuracy": val_acc, "sparsity": sparsity_of(model),
            "teachers": ([{"recipe": RECIPES[recipe]["teacher_recipe"], "seed": s} for s in RECIPES[recipe]["teacher_seeds"]]
                         if RECIPES[recipe].get("teacher_seeds") else None),
            "history": {k: [round(float(v), 4) for v in vs] for k, vs in history.history.items()}}
    (out / f"{name}.json").write_text(json.dumps(info, indent=1))
    log(f"{name}: val accuracy {val_acc:.4f}, sparsity {info['sparsity']:.3f}, {info['train_seconds']:.0f} s")
    return model, info
