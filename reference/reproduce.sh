#!/usr/bin/env bash
# One command: regenerate everything the Swift side reads from scratch — data (train/val/test), the seven
# trained Keras networks, weights/manifest.json, fixtures/, data/ and the TFLite baseline — then check it.
# About an hour on the AVX-512 host where the weights were made; 97 minutes on the 2-core AVX2 host, with
# TensorFlow's oneDNN kernels switched on below (README). Logs go to reference/out/reproduce.log as well.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p reference/out
exec > >(tee reference/out/reproduce.log) 2>&1
start=$(date +%s)
if ! command -v espeak-ng >/dev/null || ! command -v flite >/dev/null || ! command -v festival >/dev/null \
   || [ ! -d /usr/share/festival/voices/english/ked_diphone ]; then
  apt-get update -q && apt-get install -y -q espeak-ng flite festival festvox-kdlpc16k
fi
python3 -m pip install -q -r reference/requirements.txt
export TF_CPP_MIN_LOG_LEVEL=2
# TensorFlow's oneDNN kernels for every step, not only training (train_all.py says why they are switched on).
export TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-1}
step() { echo "== $1 ($(( $(date +%s) - start )) s)"; }
step "synthesise data";        python3 reference/gen_data.py
step "train seven networks";   python3 reference/train_all.py --jobs 2
step "feature fixtures";       python3 reference/make_feature_fixtures.py
step "export";                 python3 reference/export.py
step "TFLite baseline";        python3 reference/bench_tflite.py
step "check";                  python3 -m pytest -q reference/tests
step "done"
