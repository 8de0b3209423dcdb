"""Small HDF5 files the Swift unit tests read (Tests/Resources/). Run: python reference/make_test_files.py

hdf5_sample.h5 exercises the HDF5 reader: every string-attribute flavour h5py and Keras write, float and
integer datasets, nested groups. The Keras test models are written by make_test_models.py.
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Resources")


def main():
    os.makedirs(OUT, exist_ok=True)
    with h5py.File(os.path.join(OUT, "hdf5_sample.h5"), "w") as f:
        f.attrs["vlen_str"] = "héllo {\"a\": [1, 2]}"                     # variable-length UTF-8 scalar
        f.attrs["fixed_str"] = np.bytes_(b"fixed-bytes")                   # fixed-length scalar
        f.attrs["fixed_list"] = np.array([b"conv", b"bn_1", b"dense_long_name"])  # 'S15' array
        f.attrs.create("vlen_list", ["alpha", "beta/gamma:0", "ü"], dtype=h5py.string_dtype("utf-8"))
        f.attrs["empty_list"] = np.array([], dtype="S1")
        f.attrs["number"] = 3.5
        f.create_dataset("matrix", data=np.arange(12, dtype=np.float32).reshape(3, 4) / 4)
        f.create_dataset("float64", data=np.array([1.5, -2.25], dtype=np.float64))
        f.create_dataset("ints", data=np.array([[1, -2], [3, 4]], dtype=np.int64))
        f.create_dataset("scalar", data=np.float32(7.0))
        g = f.create_group("group/inner")
        g.create_dataset("zeta", data=np.zeros((2, 1, 3), np.float32))
        g.create_dataset("alpha", data=np.ones((1,), np.float32))
        g.create_group("mid")
        g.attrs["note"] = "inner group"


if __name__ == "__main__":
    main()
