"""Time of one training step of a network with the real input pipeline (cached features, SpecAugment, mixup),
as train_all.py --jobs N runs it: one TensorFlow thread unless --threads says otherwise, oneDNN on.

python reference/experiments/step_time.py NETWORK [--steps 30] [--threads 1] [--data DIR]

Prints milliseconds a step, after 5 warm-up steps. Run two at once to see what pairing costs (README)."""
import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")   # as train_all.py
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("network")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", type=pathlib.Path, default=HERE.parent / "out" / "data")
    args = ap.parse_args()
    import keras
    import tensorflow as tf
    from kws_ref import train
    if args.network not in train.CONFIGS:
        ap.error(f"unknown network {args.network} (choose from {', '.join(train.CONFIGS)})")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    cfg = train.CONFIGS[args.network]
    x = train.cached_features(HERE.parent / "out" / "cache", args.data, "train", cfg["spec"])
    y = train.split_labels(args.data, "train")
    model = train.compiled_model(args.network, keras.optimizers.AdamW(1e-3, weight_decay=0.01))
    ds = train.train_dataset(x, y, 1, repeat=True)
    model.fit(ds, epochs=1, steps_per_epoch=5, verbose=0)
    t = time.time()
    model.fit(ds, epochs=1, steps_per_epoch=args.steps, verbose=0)
    print(f"{args.network}: {(time.time() - t) / args.steps * 1000:.0f} ms a step "
          f"({args.threads} thread{'s' if args.threads > 1 else ''}, {args.steps} steps)")


if __name__ == "__main__":
    main()
