"""Train the networks (all nine by default: the seven and the two listening variants) into <out>/models/.

python reference/train_all.py [little big coop1 ...] [--data DIR] [--out DIR] [--jobs N] [--recipe R]

--data: a mini_speech_commands-layout directory, DIR/<label>/<clip>.wav, with split lists
DIR/train_split.txt and DIR/val_split.txt (reference/reproduce.sh copies the committed reference/splits/ in),
and the negatives as DIR/_background_noise_/, _unknown_/ and _librispeech_/ (default reference/out/real).
Features are cached under <out>/cache.

--jobs N trains N networks at a time, each in its own process with one TensorFlow thread: these networks
are small, so one process with two threads leaves much of the second core idle; the longest start first,
so that the jobs end together. Results do not depend on --jobs beyond float summation order.

--recipe R trains every named network with recipe R. Without it each network gets the recipe it ships with
(train.shipped_recipe: committed for all but the listening variants, which ship with the recipes chosen
on validation streams, docs/LISTENING.md: little-listen streammfcc_enskd, big-listen streamlibri); that is
how weights/ were trained. realaug (shift, gain and real noise), speed
(speed perturbation 0.9 / 1.1) and synth (the synthesised voices of gen_data.py added; needs --synth DIR) are
the real-speech experiments; train_aug, cmvn, cmn, chanaug and short are earlier ones on synthetic speech
(docs/TRAINING.md gives each rule and result).

TensorFlow's oneDNN kernels are switched on (TF_ENABLE_ONEDNN_OPTS=1, unless the environment sets it):
TensorFlow enables them by default on Linux only for CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX
(tensorflow/core/util/port.cc, DefaultOneDnnPolicy); without them, on an AVX2-only CPU, MobileNet (coop3)
trained 3× slower and the DS-CNNs 5–11 % slower."""
import argparse
import json
import multiprocessing
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")   # before TensorFlow is imported (see above)

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from kws_ref import train  # noqa: E402

# Training time in seconds of each network on the real train split with one TensorFlow thread, two at a
# time (--jobs 2), with oneDNN, on the 2-core AMD EPYC (Zen 4, AVX-512) host that trained weights/
# (weights/manifest.json, training.train_seconds): the jobs start longest first, so that they end together.
# little-listen's is its streammfcc_enskd run's with its three teachers' (124 s + 3 x about 150 s beside
# another job on a 2-core AMD EPYC Zen 5).
COST = {"coop1": 2010, "little-listen": 574, "big": 1571, "big-listen": 1250, "coop4": 1081, "coop5": 978,
        "little": 944, "coop3": 869, "coop2": 853}


def _job(args):
    name, data, cache, models, threads, recipe, seed, synth = args
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    t = time.time()
    train.train(name, data, cache, models, log=lambda m: print(m, flush=True), recipe=recipe, seed=seed, synth_root=synth)
    return name, time.time() - t


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NETWORK",
                    help=f"networks to train (default all: {' '.join(train.CONFIGS)})")
    ap.add_argument("--data", type=pathlib.Path, default=HERE / "out" / "real", help="data directory (default reference/out/real)")
    ap.add_argument("--out", type=pathlib.Path, default=HERE / "out", help="models/ and cache/ go here")
    ap.add_argument("--jobs", type=int, default=1, help="networks trained at once (default 1)")
    ap.add_argument("--recipe", choices=list(train.RECIPES), default=None,
                    help="one recipe for every named network (default: each network's shipped recipe); each is "
                         "described beside RECIPES in kws_ref/train.py, the clip recipes' results in docs/TRAINING.md "
                         "and the listening ones' (stream...) in docs/LISTENING.md")
    ap.add_argument("--synth", type=pathlib.Path,
                    help="the synthesised data set for --recipe synth (reference/gen_data.py DIR train)")
    ap.add_argument("--threads", type=int, help="TensorFlow threads with --jobs 1 (default: TensorFlow's choice)")
    ap.add_argument("--seed", type=int, help="override the recipe's seed (an independent replicate)")
    args = ap.parse_args()
    names = args.names or list(train.CONFIGS)
    unknown = [n for n in names if n not in train.CONFIGS]
    if unknown:
        ap.error(f"unknown network {', '.join(unknown)} (choose from {', '.join(train.CONFIGS)})")
    recipes = {n: args.recipe or train.shipped_recipe(n) for n in names}
    for split in ("val",) + tuple(s for r in set(recipes.values()) for s in train.RECIPES[r]["splits"]):
        if not train.split_file(args.data, split):
            sys.exit(f"train_all.py: {args.data}: no {split} split list (see --help)")
    if any(train.RECIPES[r].get("synthetic") for r in recipes.values()) and not (args.synth and train.split_file(args.synth, "train")):
        sys.exit(f"train_all.py: --recipe synth needs --synth DIR holding a synthesised train split "
                 f"(reference/gen_data.py DIR train)")
    cache = args.out / "cache" if args.data == HERE / "out" / "data" else args.out / "cache" / args.data.name
    t = time.time()
    if args.jobs <= 1:
        if args.threads:
            import tensorflow as tf
            tf.config.threading.set_intra_op_parallelism_threads(args.threads)
            tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        for name in names:
            train.train(name, args.data, cache, args.out / "models", log=lambda m: print(m, flush=True),
                        recipe=recipes[name], seed=args.seed, synth_root=args.synth)
    else:
        # Features first, once per kind, so that the jobs do not compute (and write) the same cache.
        kinds = {}
        for n in names:
            spec = train.features_of(n, recipes[n])
            kinds.setdefault((json.dumps(spec, sort_keys=True), recipes[n]), (spec, recipes[n]))
        for spec, recipe in kinds.values():
            for split in train.training_splits(args.data, recipe) + ["val"]:
                train.cached_features(cache, args.data, split, spec)
            train.extra_training_parts(cache, args.data, spec, recipe, args.synth)
        order = sorted(names, key=lambda n: -COST.get(n, 0))
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for name, seconds in pool.imap_unordered(
                    _job, [(n, args.data, cache, args.out / "models", 1, recipes[n], args.seed, args.synth)
                           for n in order]):
                print(f"{name} done in {seconds:.0f} s", flush=True)
    print(f"trained {names} in {time.time() - t:.0f} s", flush=True)
