"""The model-file fixtures of reference/make_io_fixtures.py: the chunked+gzip HDF5 copy and the Keras 3 .keras of
little hold the same network as weights/little.h5 (Keras reproduces fixtures/little.h5 from each)."""
import json
import pathlib
import zipfile

import h5py
import keras
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["fixtures/little-gzip.h5", "fixtures/little.keras"])
def test_copy_reproduces_the_fixture(path):
    model = keras.models.load_model(ROOT / path, compile=False)
    with h5py.File(ROOT / "fixtures" / "little.h5", "r") as f:
        x, expected = f["input"][...], f["output"][...]
    np.testing.assert_allclose(model(x, training=False).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_gzip_copy_is_chunked_and_compressed():
    with h5py.File(ROOT / "fixtures" / "little-gzip.h5", "r") as f:
        datasets = []
        f.visititems(lambda _, o: datasets.append(o) if isinstance(o, h5py.Dataset) else None)
        assert datasets and all(d.chunks and d.compression == "gzip" for d in datasets if d.ndim > 0)


def test_keras_file_is_a_keras3_archive():
    with zipfile.ZipFile(ROOT / "fixtures" / "little.keras") as z:
        assert {"config.json", "metadata.json", "model.weights.h5"} <= set(z.namelist())
        assert json.loads(z.read("metadata.json"))["keras_version"].startswith("3.")
