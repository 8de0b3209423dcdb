"""Step 1: synthesise the data set. python reference/gen_data.py [OUT]  (default reference/out/data)"""
import pathlib
import shutil
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kws_ref import synth  # noqa: E402

if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "out" / "data")
    if out.exists():
        shutil.rmtree(out)
    t = time.time()
    synth.generate({s: out / s for s in ("train", "train_aug", "val", "test")}, progress=lambda m: print(m, flush=True))
    print(f"generated in {time.time() - t:.0f} s", flush=True)
