"""Step 2: train the networks (all seven by default) into reference/out/models/.

python reference/train_all.py [little big coop1 ...] [--data DIR] [--out DIR]

--data defaults to the synthesised set (reference/out/data). A real mini_speech_commands directory works
too: DIR/<label>/<clip>.wav with split lists DIR/train_split.txt and DIR/val_split.txt (or the course's
kws_train_split.txt / kws_val_split.txt), one path a line. Features are cached under <out>/cache."""
import argparse
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from kws_ref import train  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NETWORK",
                    help=f"networks to train (default all: {' '.join(train.CONFIGS)})")
    ap.add_argument("--data", type=pathlib.Path, default=HERE / "out" / "data", help="data directory")
    ap.add_argument("--out", type=pathlib.Path, default=HERE / "out", help="models/ and cache/ go here")
    args = ap.parse_args()
    names = args.names or list(train.CONFIGS)
    unknown = [n for n in names if n not in train.CONFIGS]
    if unknown:
        ap.error(f"unknown network {', '.join(unknown)} (choose from {', '.join(train.CONFIGS)})")
    for split in ("train", "val"):
        if not train.split_file(args.data, split):
            sys.exit(f"train_all.py: {args.data}: no {split} split list (see --help)")
    cache = args.out / "cache" if args.data == HERE / "out" / "data" else args.out / "cache" / args.data.name
    t = time.time()
    for name in names:
        train.train(name, args.data, cache, args.out / "models", log=lambda m: print(m, flush=True))
    print(f"trained {names} in {time.time() - t:.0f} s", flush=True)
