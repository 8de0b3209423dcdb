"""Step 2: train the networks (all seven by default) into reference/out/models/.
python reference/train_all.py [little big coop1 ...]"""
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from kws_ref import train  # noqa: E402

if __name__ == "__main__":
    names = sys.argv[1:] or list(train.CONFIGS)
    t = time.time()
    for name in names:
        train.train(name, HERE / "out" / "data", HERE / "out" / "cache", HERE / "out" / "models",
                    log=lambda m: print(m, flush=True))
    print(f"trained {names} in {time.time() - t:.0f} s", flush=True)
