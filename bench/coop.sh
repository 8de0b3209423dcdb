#!/bin/sh
# Cooperative inference over MQTT, end to end through a real broker: clips per second and p50/p99
# latency (publish MFCC → decision), with 1 and with 2 replicas of each worker (replicas of a model share
# an MQTT 5 shared-subscription group). Each run starts its own private mosquitto on a free loopback port
# and the worker processes, and stops them at the end.
#
#   bench/coop.sh [--weights DIR] [--data DIR] [--timeout-ms N] [--in-flight N] [--limit N]
#
# Needs mosquitto (/usr/sbin/mosquitto or $MOSQUITTO) and a release build with the README's flags:
#   swift build -c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib
set -eu
cd "$(dirname "$0")/.."
BIN=${KWS_NATIVE:-.build/release/kws-native}
[ -x "$BIN" ] || { echo "error: $BIN not found: swift build -c release -Xswiftc -target-cpu -Xswiftc native --static-swift-stdlib" >&2; exit 1; }
for replicas in 1 2; do
    "$BIN" coop --replicas "$replicas" --in-flight 16 --json "$@" 2>/dev/null |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print("replicas %d: %.1f clips/s, latency p50 %.2f ms, p99 %.2f ms, accuracy %.3f %%, n %d, degraded %d, in flight %d" % (r["replicas"], r["clips_per_second"], r["latency_ms"]["p50"], r["latency_ms"]["p99"], 100*r["accuracy"], r["n"], r["degraded"], r["in_flight"]))'
done
