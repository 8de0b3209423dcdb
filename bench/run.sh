#!/bin/sh
# Swift against TFLite (LiteRT 2.3) + XNNPACK, side by side in one run, one thread each:
# network latency (p50/p90, ratio, GFLOP/s, share of the measured FMA peak), features against tf.signal in a
# tf.function, wav → label end to end, cold `kws-native infer` against a Python + LiteRT script, and heap
# allocations per inference. Writes bench/results.json and prints a markdown table.
#
#   bench/run.sh [--networks little,big] [--rounds 6] [--budget-ms 1500] [--skip-cold] [--portable]
#                [--baseline-bench OLD/kws-bench] [--out FILE]
#
# --baseline-bench times an earlier build's kws-bench (e.g. built at the previous commit) in the same
# alternation, per network: its p50 ÷ this build's, with the per-round spread.
#
# --portable also builds kws-bench without -target-cpu (the portable default, in .build-portable) and times
# it in the same alternation, to show what the tuned build buys.
#
# Builds first (release, tuned for this machine's CPU; the default x86-64 target has no AVX and runs the
# SIMD kernels ~50× slower; the Swift runtime linked statically, as scripts/setup.sh builds it):
#   swift build -c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib
# Set KWS_BENCH_NO_BUILD=1 to use the binaries already in .build/release. OPENBLAS_CORETYPE is left as set.
set -eu
cd "$(dirname "$0")/.."
SWIFT_FLAGS="-c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib"
PORTABLE=""
for arg in "$@"; do [ "$arg" = --portable ] && PORTABLE=1; done
if [ "${KWS_BENCH_NO_BUILD:-0}" != 1 ] && [ -n "$PORTABLE" ]; then
    # The portable default (no -target-cpu), in its own scratch folder so the shared .build keeps its flags.
    swift build -c release --scratch-path .build-portable --product kws-bench >&2
fi
if [ "${KWS_BENCH_NO_BUILD:-0}" != 1 ]; then
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --product kws-bench >&2
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --product kws-native >&2
fi
mkdir -p .build/bench
# Private copies: other engineers share .build/release and may rebuild it (with other flags) mid-run;
# a binary without FMA instructions was built for the generic x86-64 target and would not say much.
cp .build/release/kws-bench .build/release/kws-native .build/bench/
if command -v objdump >/dev/null && ! objdump -d --no-show-raw-insn .build/bench/kws-bench | grep -q 'vfmadd'; then
    echo "error: .build/release/kws-bench has no FMA instructions: it was not built with" \
         "-Xswiftc -target-cpu -Xswiftc native (a shared .build was rebuilt with other flags?); rebuild and rerun" >&2
    exit 1
fi
if [ -n "$PORTABLE" ]; then
    cp .build-portable/release/kws-bench .build/bench/kws-bench-portable
    set -- "$@" --portable-bench .build/bench/kws-bench-portable
fi
if [ ! -f .build/bench/malloc_count.so ] || [ bench/malloc_count.c -nt .build/bench/malloc_count.so ]; then
    cc -O2 -shared -fPIC -Wall -o .build/bench/malloc_count.so bench/malloc_count.c -ldl
fi
# One thread everywhere: OpenBLAS (opened on first use with one thread unless this says otherwise),
# TensorFlow (set in run_bench.py), LiteRT (num_threads=1).
export OPENBLAS_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=2
exec python3 bench/run_bench.py --swift-flags "$SWIFT_FLAGS" --malloc-so .build/bench/malloc_count.so \
    --swift-bench .build/bench/kws-bench --kws-native .build/bench/kws-native "$@"
