"""Step 1: synthesise the data set. python reference/gen_data.py [OUT] [SPLIT ...]  (default
reference/out/data; default splits train val val_xeng test; naming splits regenerates only those, e.g.
`gen_data.py reference/out/data train_aug` for the train_aug experiment)"""
import pathlib
import shutil
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kws_ref import synth  # noqa: E402

if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "out" / "data")
    splits = sys.argv[2:] or [s for s in synth.SPLIT_SIZES if s != "train_aug"]
    unknown = [s for s in splits if s not in synth.SPLIT_SIZES]
    if unknown:
        sys.exit(f"gen_data.py: unknown split {unknown}; splits: {' '.join(synth.SPLIT_SIZES)}")
    for s in splits:
        if (out / s).exists():
            shutil.rmtree(out / s)
    t = time.time()
    synth.generate({s: out / s for s in splits}, progress=lambda m: print(m, flush=True))
    print(f"generated in {time.time() - t:.0f} s", flush=True)
