"""train.ensemble_targets (the streammfcc_enskd recipe's training targets), against a per-example computation
with the teachers' own Keras forward passes, and teacher_paths' layout."""
import keras
import numpy as np

from kws_ref import train

RECIPE = "streammfcc_enskd"


def _teacher(seed, classes):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((6, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(classes)])


def test_targets_mix_the_labels_with_the_mean_of_the_tempered_teachers(tmp_path):
    r = train.RECIPES[RECIPE]
    classes = 10
    paths = train.teacher_paths("little-listen", tmp_path, RECIPE)
    assert [p.parent.name for p in paths] == [f"seed-{s}" for s in r["teacher_seeds"]]
    teachers = []
    for k, path in enumerate(paths):
        path.parent.mkdir(parents=True)
        t = _teacher(100 + k, classes)
        t.save(path)
        teachers.append(t)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 6, 4, 1)).astype(np.float32)
    y = rng.integers(0, classes, 7)
    got = train.ensemble_targets("little-listen", x, y, None, None, tmp_path, RECIPE, classes, log=lambda m: None)
    w, temp = r["teacher_weight"], r["teacher_temperature"]
    for i in range(len(x)):
        mean = np.zeros(classes)
        for t in teachers:
            z = np.asarray(t(x[i:i + 1]), np.float64)[0] / temp
            mean += np.exp(z - z.max()) / np.exp(z - z.max()).sum() / len(teachers)
        want = (1 - w) * np.eye(classes)[y[i]] + w * mean
        assert np.allclose(got[i], want, atol=1e-5)
    assert np.allclose(got.sum(1), 1, atol=1e-5)
