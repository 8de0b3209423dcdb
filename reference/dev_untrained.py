"""Development aid: the seven architectures with random weights (BN statistics randomised too), saved as
Keras .h5 with layer-by-layer fixtures, so the Swift loader can be built before training finishes.

    python reference/dev_untrained.py OUTDIR      -> OUTDIR/weights/<net>.h5, OUTDIR/fixtures/<net>.h5
"""
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kws_ref import fixtures, models  # noqa: E402


def randomise(model, rng):
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            g, b, m, v = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape).astype(np.float32),
                               rng.normal(0, 0.2, b.shape).astype(np.float32),
                               rng.normal(0, 0.2, m.shape).astype(np.float32),
                               rng.uniform(0.5, 2.0, v.shape).astype(np.float32)])


def main(out):
    out = pathlib.Path(out)
    (out / "weights").mkdir(parents=True, exist_ok=True)
    (out / "fixtures").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, build in models.BUILDERS.items():
        model = build()
        randomise(model, rng)
        model.save(out / "weights" / f"{name}.h5", include_optimizer=False)
        x = rng.normal(0, 1, (3,) + tuple(model.input_shape[1:])).astype(np.float32)
        fixtures.write_network_fixture(model, x, out / "fixtures" / f"{name}.h5")
        print(name, "ok")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/kws-dev")
