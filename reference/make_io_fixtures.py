"""Two more files of the `little` network for the Swift model-file tests, written to fixtures/.
Run from the repo root:  python reference/make_io_fixtures.py

- little-gzip.h5: weights/little.h5 rewritten dataset by dataset, chunked and gzip-compressed (level 6),
  in the newest file format (libver="latest": groups of more than eight members store their links densely).
  The fast reader reads none of that, so the Swift product reads it through libhdf5.
- little.keras: the same network saved by Keras 3 in its own format (a zip of config.json, metadata.json and
  model.weights.h5, whose weights sit under layers/<name>/vars/0, 1, ...).

- Tests/Resources/models/no_config.keras: a zip that is not a Keras model (metadata.json only), for the
  loader's error message.

The first two are checked here to give Keras the same outputs as weights/little.h5 on the inputs of fixtures/little.h5;
the Swift tests check that they load and give the same logits as the committed .h5.
"""
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json  # noqa: E402
import zipfile  # noqa: E402

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "weights" / "little.h5"
OUT = ROOT / "fixtures"
TEST_MODELS = ROOT / "Tests" / "Resources" / "models"


def copy_attrs(src, dst):
    for key, value in src.attrs.items():
        dst.attrs[key] = value


def copy_chunked(src, dst):
    copy_attrs(src, dst)
    for name, item in src.items():
        if isinstance(item, h5py.Group):
            copy_chunked(item, dst.create_group(name))
        else:
            data = item[()]
            if data.ndim == 0:                       # a scalar cannot be chunked
                out = dst.create_dataset(name, data=data)
            else:
                out = dst.create_dataset(name, data=data, chunks=True, compression="gzip", compression_opts=6)
            copy_attrs(item, out)


def write_not_keras():
    entry = zipfile.ZipInfo("metadata.json", date_time=(2026, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(TEST_MODELS / "no_config.keras", "w") as z:
        z.writestr(entry, json.dumps({"keras_version": keras.__version__}))


def main():
    write_not_keras()
    gzip_path = OUT / "little-gzip.h5"
    with h5py.File(SOURCE, "r") as src, h5py.File(gzip_path, "w", libver="latest") as dst:
        copy_chunked(src, dst)

    keras_path = OUT / "little.keras"
    model = keras.models.load_model(SOURCE, compile=False)
    model.save(keras_path)

    with h5py.File(OUT / "little.h5", "r") as f:
        x = f["input"][()]
    want = model.predict(x, verbose=0)
    for path in (gzip_path, keras_path):
        got = keras.models.load_model(path, compile=False).predict(x, verbose=0)
        assert np.array_equal(got, want), f"{path.name}: Keras outputs differ from {SOURCE.name}"
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes, same outputs as {SOURCE.name}")


if __name__ == "__main__":
    main()
