#!/usr/bin/env bash
# Second command: the whole test suite. Python reference checks (generator determinism and splits, exported
# files reload identically in Keras), `kws-native verify` on the release build (every layer of every network
# against Keras, default and tuned plans),
# then the Swift tests (kernels, loader, features, policies, REST and MQTT integration with a real
# mosquitto and a real HTTP server on loopback), then a short fuzzing run of every parser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 -m pip install -q -r reference/requirements.txt
TF_CPP_MIN_LOG_LEVEL=2 python3 -m pytest -q reference/tests bench/tests
# `verify` on what ships: the release build with the README's flags (scripts/setup.sh), every layer of every
# network against Keras's outputs, with the default and the tuned kernel plans (the SIMD kernels a debug
# build never plans are the ones users run).
swift build -c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib --product kws-native
.build/release/kws-native verify
swift build --build-tests
# libFuzzer over the parsers of outside data (WAV, SenML, cooperative messages, HDF5, manifest, packed models),
# 30 s each;
# a crash fails the run and leaves its input in fuzz/artifacts/ (fuzz/run.sh TARGET SECONDS for longer runs).
fuzz/run.sh all 30
# The REST server under 2,000 requests at concurrency 64, a quarter of them hostile: every one answered as
# it should be (200/503 or a 4xx), /health still 200, memory not growing (bench/hostile_load.py).
python3 bench/hostile_load.py --binary .build/debug/kws-native --requests 2000 --concurrency 64
# The device program (Embedded Swift, aarch64 Linux and Cortex-M4 under QEMU) against the desktop: infer on the
# bundled clips, listen on a stream, the M4's footprint (scripts/device-check.sh, docs/DEVICES.md), with the
# release kws-native built above as the desktop side.
KWS_NATIVE=.build/release/kws-native scripts/device-check.sh
swift test
