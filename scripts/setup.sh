#!/usr/bin/env bash
# First command: install what is needed on a fresh Debian 12 machine, build kws-native tuned for this CPU,
# and run the main job: keyword spotting on a bundled clip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product kws-native
.build/release/kws-native infer data/yes/"$(ls data/yes | head -1)" data/go/"$(ls data/go | head -1)"
