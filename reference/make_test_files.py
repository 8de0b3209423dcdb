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

    # The corners of the format the fast Swift reader handles itself (libhdf5 reads the rest): a group big
    # enough for a multi-level B-tree, big-endian and small integer types, a never-written dataset, an empty
    # one, compact storage, and what it leaves to libhdf5 (chunked/compressed, float16, soft links).
    with h5py.File(os.path.join(OUT, "hdf5_corners.h5"), "w") as f:
        many = f.create_group("many")
        for i in range(150):
            many.create_dataset(f"d{i:03d}", data=np.full((2,), i, np.float32))
        f.create_dataset("big_endian", data=np.array([1.5, -3.0, 1e-3], dtype=">f4"))
        f.create_dataset("big_endian64", data=np.array([[2.5], [-7.0]], dtype=">f8"))
        f.create_dataset("uint8", data=np.array([0, 7, 255], dtype=np.uint8))
        f.create_dataset("int16", data=np.array([-32768, -1, 32767], dtype=np.int16))
        f.create_dataset("int32_be", data=np.array([-5, 70000], dtype=">i4"))
        f.create_dataset("unwritten", shape=(2, 3), dtype=np.float32)
        f.create_dataset("empty", data=np.zeros((0, 4), np.float32))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((3,))
        h5py.h5d.create(f.id, b"compact", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl).write(
            h5py.h5s.ALL, h5py.h5s.ALL, np.array([4, 5, 6], np.float32))
        f.create_dataset("chunked", data=np.arange(100, dtype=np.float32), chunks=(10,), compression="gzip")
        f.create_dataset("half", data=np.array([1, 2], np.float16))
        f["soft"] = h5py.SoftLink("/uint8")
        f.attrs["vlen_str"] = "corner"
    # The newest format (superblock 3, version-2 object headers, link messages), as libver="latest" writes it.
    with h5py.File(os.path.join(OUT, "hdf5_latest.h5"), "w", libver="latest") as f:
        f.attrs["vlen_str"] = "latest {\"b\": 2}"
        f.attrs["fixed_list"] = np.array([b"x", b"yy"])
        g = f.create_group("group/inner")
        g.create_dataset("w", data=np.arange(6, dtype=np.float32).reshape(2, 3))
        g.attrs["note"] = "v2 header"
        f.create_dataset("scalar", data=np.float64(-1.25))


if __name__ == "__main__":
    main()
