#!/usr/bin/env bash
# The device check: the Embedded Swift program (Sources/Device) against the desktop, from the committed weights.
#
#   1. kws-native (debug build; $KWS_NATIVE or an up-to-date release binary instead when there is one) packs
#      little, little-listen and big for aarch64-linux and little-listen for cortex-m4 (kws-native pack).
#   2. Both device images are built (scripts/build-device.sh aarch64-linux, cortex-m4), side by side.
#   3. infer: the aarch64 image (qemu-aarch64-static) on all 812 bundled clips (data/test_split.txt) with each
#      of the three packs, against `kws-native infer --model PACK --json` (the desktop running the same pack, its
#      own FFT and kernels as the device has them) on the same clips: the same class on
#      every clip, and verify's rule (Sources/Layers/Verification.swift: |device − desktop| ≤ 1e-4 ×
#      max(|desktop|, 0.01 × the largest |desktop| value)) on the logits (both print them). The probabilities'
#      differences are printed too, for information.
#   4. listen: a deterministic stream (bundled clips and silence, written here) through the aarch64 image, as a
#      WAV file and as raw PCM on standard input, against `kws-native listen --model little-listen --json`:
#      the same detections (label, time; score within 2e-4, both print it rounded to 4 decimals).
#   5. Cortex-M4: the image under qemu-system-arm (mps2-an386) on $KWS_M4_CLIPS (default: all 812) bundled clips
#      of the split, with little-listen: the same classes as the desktop and the same rule; the firmware's
#      flash and RAM footprint and its heap and stack peaks.
#
# One summary line per check; exit status 1 on any mismatch or failure, 0 when everything agrees.
# Environment: KWS_NATIVE (the desktop binary), KWS_DEVICE_JOBS (parallel QEMU processes, default: the CPU
# count), KWS_DEVICE_CHECK_CLIPS (clips for step 3, default all 812), KWS_M4_CLIPS (default all 812),
# KWS_DEVICE_CHECK_NOBUILD=1 (reuse the device images in build/device). Work files: build/device/check.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=build/device/check
mkdir -p "$WORK"
START=$(date +%s)
JOBS=${KWS_DEVICE_JOBS:-$(nproc 2>/dev/null || echo 2)}
CLIPS=${KWS_DEVICE_CHECK_CLIPS:-0}
M4_CLIPS=${KWS_M4_CLIPS:-812}
FAILED=0

say() { echo "device-check: $*"; }
fail() { say "FAIL: $*"; FAILED=1; }
elapsed() { echo "$(( $(date +%s) - START )) s"; }

for tool in qemu-aarch64-static qemu-system-arm aarch64-linux-gnu-gcc arm-none-eabi-gcc python3; do
    command -v "$tool" >/dev/null || { say "FAIL: $tool is not installed (scripts/install-deps.sh)"; exit 1; }
done

# ---- 1. the desktop binary and the packs ----
if [[ -n ${KWS_NATIVE:-} ]]; then
    KWS=$KWS_NATIVE
elif [[ -x .build/release/kws-native && -z $(find Sources Package.swift -newer .build/release/kws-native -name '*.swift' -print -quit) ]]; then
    KWS=.build/release/kws-native
else
    swift build --product kws-native 2>&1 | tail -1
    KWS=.build/debug/kws-native
fi
say "desktop: $KWS"
pack() {   # NAME TARGET FILE
    "$KWS" pack --model "$1" --target "$2" --out "$3" > "$WORK/pack.log" 2>&1 || { cat "$WORK/pack.log"; fail "kws-native pack --model $1 --target $2"; return 1; }
    say "packed $1 for $2: $(stat -c %s "$3") bytes"
}
pack little aarch64-linux "$WORK/little-aarch64.kwspack"
pack little-listen aarch64-linux "$WORK/little-listen-aarch64.kwspack"
pack big aarch64-linux "$WORK/big-aarch64.kwspack"
pack little-listen cortex-m4 "$WORK/little-listen-m4.kwspack"
[[ $FAILED == 0 ]] || exit 1

# ---- 2. the device images, both at once ----
if [[ ${KWS_DEVICE_CHECK_NOBUILD:-0} != 1 ]]; then
    scripts/build-device.sh aarch64-linux > "$WORK/build-aarch64.log" 2>&1 & a=$!
    scripts/build-device.sh cortex-m4 > "$WORK/build-m4.log" 2>&1 & m=$!
    ok=1
    wait $a || { grep -v '^+' "$WORK/build-aarch64.log" | tail -30; fail "build-device.sh aarch64-linux"; ok=0; }
    wait $m || { grep -v '^+' "$WORK/build-m4.log" | tail -30; fail "build-device.sh cortex-m4"; ok=0; }
    [[ $ok == 1 ]] || exit 1
    say "built both device images ($(elapsed))"
fi
[[ -f build/device/cortex-m4/kws-device.elf && -x build/device/aarch64-linux/kws-device ]] || { fail "device images missing"; exit 1; }

# ---- the clips ----
sed 's|^|data/|' data/test_split.txt > "$WORK/all.txt"
[[ $CLIPS -gt 0 ]] && { head -n "$CLIPS" "$WORK/all.txt" > "$WORK/clips.txt"; } || cp "$WORK/all.txt" "$WORK/clips.txt"
N=$(wc -l < "$WORK/clips.txt")
head -n "$M4_CLIPS" "$WORK/all.txt" > "$WORK/m4-clips.txt"
# The M4 clips are among the desktop's (step 3's list is cut from the front).
cat "$WORK/clips.txt" "$WORK/m4-clips.txt" | awk '!seen[$0]++' > "$WORK/desktop-clips.txt"
rm -f "$WORK"/part.* "$WORK"/out.*
split -n "l/$JOBS" -d "$WORK/clips.txt" "$WORK/part."

# Desktop infer (one process per network, in the background while the device runs).
for name in little little-listen big; do
    # shellcheck disable=SC2046
    "$KWS" infer --model "$WORK/$name-aarch64.kwspack" --json $(cat "$WORK/desktop-clips.txt") > "$WORK/desktop-$name.jsonl" 2> "$WORK/desktop-$name.err" &
    echo $! > "$WORK/desktop-$name.pid"
done

# Device infer: the list split over JOBS QEMU processes.
device_infer() {   # NAME PACK
    local pids=() p
    for part in "$WORK"/part.*; do
        scripts/run-device.sh aarch64-linux infer --json --model "$2" --list "$part" \
            > "$WORK/out.$1.${part##*.}.jsonl" 2> "$WORK/out.$1.${part##*.}.err" &
        pids+=($!)
    done
    local status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    cat "$WORK"/out."$1".*.jsonl > "$WORK/device-$1.jsonl"
    cat "$WORK"/out."$1".*.err > "$WORK/device-$1.err"
    return $status
}
for name in little little-listen big; do
    t0=$(date +%s)
    device_infer "$name" "$WORK/$name-aarch64.kwspack" || { head -5 "$WORK/device-$name.err"; fail "kws-device infer ($name) failed"; }
    say "aarch64 infer $name: $N clips in $(( $(date +%s) - t0 )) s under qemu-aarch64-static ($JOBS processes)"
    scripts/run-device.sh aarch64-linux info --model "$WORK/$name-aarch64.kwspack" > "$WORK/info-$name.txt"
done
for name in little little-listen big; do
    wait "$(cat "$WORK/desktop-$name.pid")" || { head -5 "$WORK/desktop-$name.err"; fail "kws-native infer --model $name failed"; }
done

# ---- the comparison (Python) ----
compare_infer() {   # NAME DEVICE_JSONL INFO WHAT
    python3 - "$WORK/desktop-$1.jsonl" "$2" "$3" "$4" <<'EOF'
import json, math, sys
desktop_path, device_path, info_path, what = sys.argv[1:5]
labels = None
for line in open(info_path):
    if line.startswith("labels ("):
        labels = line.split(":", 1)[1].split()
desktop = {}
for line in open(desktop_path):
    o = json.loads(line)
    desktop[o["file"]] = o
device = [json.loads(l) for l in open(device_path) if l.strip()]
TOL, FLOOR = 1e-4, 1e-2          # Sources/Layers/Verification.swift
errors, same, pairs = [], 0, []
for d in device:
    f = d["file"]
    if "error" in d:
        errors.append(f"{f}: device error {d['error']}"); continue
    k = desktop.get(f)
    if k is None or "error" in k:
        errors.append(f"{f}: no desktop result"); continue
    if d["label"] == k["label"]:
        same += 1
    else:
        errors.append(f"{f}: device {d['label']}, desktop {k['label']}")
    logits = d["logits"]
    top = max(logits)
    lse = top + math.log(sum(math.exp(x - top) for x in logits))
    dev_logp = [x - lse for x in logits]
    dev_p = [math.exp(x) for x in dev_logp]
    desk_p = [k["probabilities"][l] for l in labels]
    if len(k.get("logits", [])) != len(logits):
        errors.append(f"{f}: the desktop printed no logits (kws-native infer --json too old?)"); continue
    pairs.append((f, dev_p, desk_p, dev_logp, logits, k["logits"]))

def rule(name, values):
    """verify's rule over all clips: |a − b| ≤ TOL · max(|b|, FLOOR · max |b|)."""
    scale = max(abs(b) for _, vs in values for _, b in vs)
    floor = max(FLOOR * scale, 1e-38)
    worst_abs = worst_rel = 0.0
    where = ""
    for f, vs in values:
        for a, b in vs:
            d = abs(a - b)
            r = d / max(abs(b), floor)
            worst_abs = max(worst_abs, d)
            if r > worst_rel:
                worst_rel, where = r, f
    return worst_abs, worst_rel, where

probs = [(f, list(zip(dp, kp))) for f, dp, kp, _, _, _ in pairs]
logits = [(f, list(zip(dl, kl))) for f, _, _, _, dl, kl in pairs]
pa, pr, pw = rule("p", probs)
la, lr, lw = rule("logits", logits)
n = len(device)
ok = not errors and n > 0 and lr <= TOL   # verify's rule on the logits; probabilities for information
print(f"{what}: {same}/{n} same class; logits max |diff| {la:.2e}, rel {lr:.2e} (verify's rule: {TOL:g}, "
      f"floor {FLOOR:g} x max); probabilities max |diff| {pa:.2e}, rel {pr:.2e}" + (": OK" if ok else ": MISMATCH"))
for e in errors[:10]:
    print("   ", e)
if lr > TOL: print(f"    worst logits: {lw}")
sys.exit(0 if ok else 1)
EOF
}
for name in little little-listen big; do
    line=$(compare_infer "$name" "$WORK/device-$name.jsonl" "$WORK/info-$name.txt" "aarch64 infer $name") || FAILED=1
    say "$line"
done

# ---- 4. listen on a stream ----
python3 - "$WORK/stream.wav" "$WORK/stream.raw" <<'EOF'
import sys, wave
# One clip of each keyword (the split's first), the bundled recordings, 0.6 s of silence around each.
labels = ["down", "stop", "right", "left", "up", "yes", "no", "go"]
split = [l.strip() for l in open("data/test_split.txt") if l.strip()]
clips = ["data/" + next(c for c in split if c.startswith(l + "/")) for l in labels]
clips += ["fixtures/audio/real_down_right_long.wav", "fixtures/audio/real_yes.wav", "fixtures/audio/real_stop.wav"]
silence = b"\0\0" * 9600
pcm = bytearray(silence)
for c in clips:
    with wave.open(c) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, c
        pcm += w.readframes(w.getnframes())
    pcm += silence
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(bytes(pcm))
open(sys.argv[2], "wb").write(bytes(pcm))
EOF
"$KWS" listen --model little-listen --json "$WORK/stream.wav" > "$WORK/listen-desktop.jsonl" 2> "$WORK/listen-desktop.err" \
    || { cat "$WORK/listen-desktop.err"; fail "kws-native listen"; }
scripts/run-device.sh aarch64-linux listen --json --model "$WORK/little-listen-aarch64.kwspack" "$WORK/stream.wav" \
    > "$WORK/listen-device-wav.jsonl" 2> "$WORK/listen-device-wav.err" || { cat "$WORK/listen-device-wav.err"; fail "kws-device listen FILE"; }
scripts/run-device.sh aarch64-linux listen --json --model "$WORK/little-listen-aarch64.kwspack" - < "$WORK/stream.raw" \
    > "$WORK/listen-device-raw.jsonl" 2> "$WORK/listen-device-raw.err" || { cat "$WORK/listen-device-raw.err"; fail "kws-device listen -"; }
compare_listen() {   # DESKTOP DEVICE WHAT
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bad = [f"desktop {x}, device {y}" for x, y in zip(a, b)
       if x["label"] != y["label"] or abs(x["time_s"] - y["time_s"]) > 1e-9 or abs(x["score"] - y["score"]) > 2e-4]
ok = len(a) == len(b) and not bad and len(a) > 0
seq = ", ".join(f"{x['label']}@{x['time_s']:g}s" for x in b)
print(f"{sys.argv[3]}: {len(b)} detections, desktop {len(a)}; " + ("same" if ok else "DIFFERENT") + f" ({seq})")
for m in bad[:10]: print("   ", m)
sys.exit(0 if ok else 1)
EOF
}
line=$(compare_listen "$WORK/listen-desktop.jsonl" "$WORK/listen-device-wav.jsonl" "aarch64 listen stream.wav") || FAILED=1
say "$line"
line=$(compare_listen "$WORK/listen-desktop.jsonl" "$WORK/listen-device-raw.jsonl" "aarch64 listen - (raw PCM on stdin)") || FAILED=1
say "$line"

# ---- 5. the Cortex-M4 ----
t0=$(date +%s)
KWS_MEM_REPORT=1 scripts/run-device.sh cortex-m4 infer --json --model "$WORK/little-listen-m4.kwspack" --list "$WORK/m4-clips.txt" \
    > "$WORK/m4-infer.jsonl" 2> "$WORK/m4-infer.err" || { tail -5 "$WORK/m4-infer.err"; fail "Cortex-M4 infer"; }
m4_seconds=$(( $(date +%s) - t0 ))
scripts/run-device.sh aarch64-linux info --model "$WORK/little-listen-m4.kwspack" > "$WORK/info-m4.txt"
line=$(compare_infer little-listen "$WORK/m4-infer.jsonl" "$WORK/info-m4.txt" "cortex-m4 infer little-listen ($m4_seconds s under qemu-system-arm)") || FAILED=1
say "$line"
footprint=$(grep -E '^  (flash|static RAM)' "$WORK/build-m4.log" 2>/dev/null | sed -E 's/ +/ /g; s/^ //' | paste -sd ';' - || true)
peaks=$(grep 'heap peak' "$WORK/m4-infer.err" | sed 's/^kws-device: //' || true)
say "cortex-m4 footprint: ${footprint:-(build log not here: KWS_DEVICE_CHECK_NOBUILD)}; infer little-listen: ${peaks:-no memory report}"
size=$(stat -c %s build/device/aarch64-linux/kws-device); stripped=$(stat -c %s build/device/aarch64-linux/kws-device.stripped 2>/dev/null || echo 0)
say "aarch64 binary: $size bytes, stripped $stripped bytes (static)"

say "$( [[ $FAILED == 0 ]] && echo "all checks passed" || echo "FAILED" ) in $(elapsed)"
exit $FAILED
