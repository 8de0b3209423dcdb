#!/usr/bin/env bash
# libFuzzer targets for the parsers that read outside data. Usage:
#
#   fuzz/run.sh TARGET|all SECONDS [libFuzzer options...]      TARGET: wav senml coop hdf5 manifest pack
#
# Each target is the project's own source files (listed below: whole core modules by folder, single desktop
# files by path; the imports of the project's modules dropped so they form one module) plus
# fuzz/harness/TARGET.swift, built with `swiftc -sanitize=fuzzer,address` as one module named Tensor (the
# core's SIMD extensions name their helpers `Tensor.load`).
# Seeds: fuzz/corpus/TARGET (committed, small); inputs found on the way go to fuzz/.work/TARGET/corpus
# (not committed); a crash is written to fuzz/artifacts/TARGET/ and the script exits 1. Works from a clean
# clone; needs only the Swift toolchain (swiftc on PATH, or SWIFTC=path). Prints, per target, the inputs
# tried and the crashes found.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
swiftc=${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}

# The Swift files of the project's modules named (every file under Sources/NAME).
module_files() { for m in "$@"; do find "Sources/$m" -name '*.swift' | sort; done; }

sources() {
  case "$1" in
    wav)      module_files Tensor DSP ;;
    senml)    echo Sources/Serving/SenML.swift ;;
    coop)     echo Sources/Serving/SenML.swift Sources/Serving/MQTT/CoopMessages.swift Sources/Tensor/ElementCount.swift ;;
    hdf5)     echo Sources/KerasIO/HDF5FastReader.swift Sources/KerasIO/HDF5Reading.swift ;;
    manifest) module_files Tensor DSP; echo Sources/KWS/Zoo/Manifest.swift Sources/KWS/Features/FeatureSpec+Codable.swift ;;
    pack)     module_files Tensor DSP Runtime ;;
    *) echo "unknown target '$1' (wav senml coop hdf5 manifest pack)" >&2; exit 64 ;;
  esac
}

build() {
  local t=$1 work=fuzz/.work/$1
  mkdir -p "$work/src"
  rm -f "$work"/src/*.swift
  for f in $(sources "$t"); do
    [ -f "$f" ] || continue
    sed -E '/^(@_exported )?import (Tensor|KerasIO|KWS|Layers|Serving|DSP|Runtime)$/d' "$f" > "$work/src/$(basename "$f")"
  done
  cp "fuzz/harness/$t.swift" "$work/src/Harness.swift"
  if ! "$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -module-name Tensor -I Sources/CPrefetch \
      "$work"/src/*.swift -o "$work/fuzz-$t" > "$work/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$work/build.log" >&2
    return 1
  fi
}

run() {
  local t=$1 seconds=$2; shift 2
  local work=fuzz/.work/$t
  mkdir -p "$work/corpus" "fuzz/artifacts/$t"
  echo "== $t: building"
  build "$t"
  echo "== $t: fuzzing for $seconds s"
  local status=0
  "$work/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="fuzz/artifacts/$t/" "$@" "$work/corpus" "fuzz/corpus/$t" > "$work/log" 2>&1 || status=$?
  local tried
  tried=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo "?")
  local crashes
  crashes=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  echo "== $t: $tried inputs tried, $crashes crash/oom/timeout files in fuzz/artifacts/$t, libFuzzer exit $status (log: $work/log)"
  return "$status"
}

[ $# -ge 2 ] || { sed -n '2,14p' "$0"; exit 64; }
target=$1 seconds=$2; shift 2
failed=0
if [ "$target" = all ]; then
  for t in wav senml coop hdf5 manifest pack; do run "$t" "$seconds" "$@" || failed=1; done
else
  run "$target" "$seconds" "$@" || failed=1
fi
exit $failed
