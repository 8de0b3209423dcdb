#!/usr/bin/env bash
# One command: from the real speech data, train the seven networks and regenerate everything the Swift side
# reads — weights/ (Keras .h5 + manifest.json), fixtures/, the bundled test split data/ and the TFLite
# baseline — then check it.
#
#   reference/reproduce.sh --data DIR [--noise DIR]
#
# --data: the real mini_speech_commands clips as WAV, DIR/<label>/<speaker>_nohash_<k>.wav (e.g. the output
#         of the data set's unpack.sh). The split files are the committed reference/splits/*_split.txt; they
#         are copied into DIR (an existing different one is an error).
# --noise: Speech Commands' _background_noise_ WAVs for the training augmentation (default
#         DIR/_background_noise_); they are copied into DIR/_background_noise_.
# Logs go to reference/out/reproduce.log as well. docs/TRAINING.md gives the time it took and on which CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
data="" noise=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --noise) noise=${2:?--noise needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "reproduce.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$data" ] || { echo "reproduce.sh: --data DIR is required (see --help)" >&2; exit 2; }
[ -d "$data" ] || { echo "reproduce.sh: $data: no such directory" >&2; exit 2; }
data=$(cd "$data" && pwd)
for s in train val test; do
  if [ -e "$data/${s}_split.txt" ]; then
    cmp -s "$data/${s}_split.txt" "reference/splits/${s}_split.txt" \
      || { echo "reproduce.sh: $data/${s}_split.txt differs from reference/splits/${s}_split.txt" >&2; exit 2; }
  else
    cp "reference/splits/${s}_split.txt" "$data/"
  fi
done
if [ -n "$noise" ]; then
  mkdir -p "$data/_background_noise_" && cp "$noise"/*.wav "$data/_background_noise_/"
fi
ls "$data"/_background_noise_/*.wav >/dev/null 2>&1 \
  || { echo "reproduce.sh: no background noise in $data/_background_noise_ (pass --noise DIR)" >&2; exit 2; }
mkdir -p reference/out
exec > >(tee reference/out/reproduce.log) 2>&1
start=$(date +%s)
command -v sox >/dev/null || { apt-get update -q && apt-get install -y -q sox; }
python3 -m pip install -q -r reference/requirements.txt
export TF_CPP_MIN_LOG_LEVEL=2
# TensorFlow's oneDNN kernels for every step, not only training (train_all.py says why they are switched on).
export TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-1}
step() { echo "== $1 ($(( $(date +%s) - start )) s)"; }
step "train seven networks";   python3 reference/train_all.py --data "$data" --jobs 2
step "feature fixtures";       python3 reference/make_feature_fixtures.py --data "$data"
step "export";                 python3 reference/export.py --data "$data"
step "TFLite baseline";        python3 reference/bench_tflite.py
step "check";                  python3 -m pytest -q reference/tests
step "done"
