#!/usr/bin/env bash
# One command: from the real speech data, train the nine networks (the seed's seven and the two listening
# variants) and regenerate everything the Swift side
# reads — weights/ (Keras .h5 + manifest.json), fixtures/, the bundled test split data/ and the TFLite
# baseline — then check it.
#
#   reference/reproduce.sh --data DIR --negatives DIR
#
# --data: the real mini_speech_commands clips as WAV, DIR/<label>/<speaker>_nohash_<k>.wav (e.g. the output
#         of the data set's unpack.sh). The split files are the committed reference/splits/*_split.txt; they
#         are copied into DIR (an existing different one is an error).
# --negatives: the folder holding background_noise/ (Speech Commands' _background_noise_ WAVs),
#         unknown_words/ (other words) and librispeech_excerpt/ (read speech); they are copied into the data
#         directory as _background_noise_/, _unknown_/ and _librispeech_/ (Speech Commands' layout), for the
#         augmentation and the listening variants' _silence_ and _unknown_ classes.
# Logs go to reference/out/reproduce.log as well. docs/TRAINING.md gives the time it took and on which CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
data="" negatives=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --negatives) negatives=${2:?--negatives needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
[ -n "$negatives" ] || { echo "reproduce.sh: --negatives DIR is required (see --help)" >&2; exit 2; }
for pair in background_noise:_background_noise_ unknown_words:_unknown_ librispeech_excerpt:_librispeech_; do
  from="$negatives/${pair%%:*}" to="$data/${pair##*:}"
  [ -d "$from" ] || { echo "reproduce.sh: $from: no such directory" >&2; exit 2; }
  mkdir -p "$to" && cp -r "$from"/. "$to"/
done
mkdir -p reference/out
exec > >(tee reference/out/reproduce.log) 2>&1
start=$(date +%s)
command -v sox >/dev/null || { apt-get update -q && apt-get install -y -q sox; }
python3 -m pip install -q -r reference/requirements.txt
export TF_CPP_MIN_LOG_LEVEL=2
# TensorFlow's oneDNN kernels for every step, not only training (train_all.py says why they are switched on).
export TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-1}
step() { echo "== $1 ($(( $(date +%s) - start )) s)"; }
step "train nine networks";    python3 reference/train_all.py --data "$data" --jobs 2
step "feature fixtures";       python3 reference/make_feature_fixtures.py --data "$data"
step "export";                 python3 reference/export.py --data "$data"
# The model-file fixtures are copies of weights/little.h5 in other formats: made again from the new one.
step "model-file fixtures";    python3 reference/make_io_fixtures.py
step "TFLite baseline";        python3 reference/bench_tflite.py
step "check";                  python3 -m pytest -q reference/tests
step "done"
