#!/usr/bin/env bash
# First command: install what is needed on a fresh Debian 12 machine, build kws-native tuned for this CPU,
# and run the main job: keyword spotting on a bundled clip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# --static-swift-stdlib: the Swift runtime and Foundation linked in, not loaded at start (a cold `infer` is
# ~10 ms shorter; README "Build flags").
swift build -c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib --product kws-native
.build/release/kws-native infer data/yes/"$(ls data/yes | head -1)" data/go/"$(ls data/go | head -1)"
