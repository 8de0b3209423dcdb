#!/usr/bin/env bash
# Builds the device program in Embedded Swift for one target:
#   aarch64-linux  a static 64-bit ARM Linux binary (run with qemu-aarch64-static), build/device/aarch64-linux/kws-device
#   cortex-m4      a Cortex-M4F image for QEMU's mps2-an386 board, build/device/cortex-m4/kws-device.elf
#
# usage: scripts/build-device.sh TARGET [--selftest]
#   --selftest   build device/selftest/main.swift (the platform layer's test) without the core modules.
#                Without it: the core modules, then Sources/Device/*.swift (module Device) if that folder
#                exists, else the self-test.
# environment: KWS_DEVICE_OPT (-Osize by default, or -O), SWIFTC (swiftc from PATH by default).
#
# Each core module is compiled on its own (-emit-module into the output folder, then imported by the next);
# a module whose folder is missing or empty is skipped; one that does not compile stops the build with the
# compiler's errors. See device/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# The core modules, in dependency order; each one's sources are Sources/<Module>/**/*.swift.
CORE_MODULES="Tensor DSP Runtime"
# Clang modules the core imports (module maps), besides the platform layer's device/include.
CORE_INCLUDES="Sources/CPrefetch"

usage() { echo "usage: $0 aarch64-linux|cortex-m4 [--selftest]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
TARGET=$1; shift
SELFTEST=0
for a in "$@"; do
    case $a in
        --selftest) SELFTEST=1 ;;
        *) usage ;;
    esac
done

OPT=${KWS_DEVICE_OPT:--Osize}
SWIFTC=${SWIFTC:-swiftc}
SWIFT_BIN=$(dirname "$(command -v "$SWIFTC")")
OUT=build/device/$TARGET
mkdir -p "$OUT"

case $TARGET in
    aarch64-linux)
        TRIPLE=aarch64-none-none-elf
        SWIFT_TARGET=(-target "$TRIPLE")
        CC=aarch64-linux-gnu-gcc
        CFLAGS=(-O2)
        PLATFORM_C=(device/platform/linux.c)
        PROGRAM=$OUT/kws-device
        ;;
    cortex-m4)
        TRIPLE=armv7em-none-none-eabi
        SWIFT_TARGET=(-target "$TRIPLE" -Xcc -mfloat-abi=hard -Xcc -mfpu=fpv4-sp-d16)
        CC=arm-none-eabi-gcc
        CFLAGS=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os)
        PLATFORM_C=(device/platform/semihosting.c device/cortex-m4/startup.c)
        PROGRAM=$OUT/kws-device.elf
        ;;
    *) usage ;;
esac

SWIFTFLAGS=(-enable-experimental-feature Embedded -wmo "$OPT" "${SWIFT_TARGET[@]}"
            -Xfrontend -function-sections -I "$OUT" -I device/include)
for inc in $CORE_INCLUDES; do SWIFTFLAGS+=(-I "$inc"); done

run() { echo "+ $*" | cut -c1-400; "$@"; }

OBJECTS=()
IMPORTS=()

# ---- the core modules ----
if [[ $SELFTEST == 0 ]]; then
    for module in $CORE_MODULES; do
        dir=Sources/$module
        files=()
        if [[ -d $dir ]]; then mapfile -t files < <(find "$dir" -name '*.swift' | LC_ALL=C sort); fi
        if [[ ${#files[@]} -eq 0 ]]; then
            echo "build-device: skipping $module ($dir has no Swift files)"
            continue
        fi
        echo "build-device: $module (${#files[@]} files)"
        run "$SWIFTC" "${SWIFTFLAGS[@]}" -parse-as-library -module-name "$module" \
            -emit-module -emit-module-path "$OUT/$module.swiftmodule" -c -o "$OUT/$module.o" "${files[@]}"
        OBJECTS+=("$OUT/$module.o")
        IMPORTS+=("$module")
    done
fi

# ---- the program (module Device) ----
files=()
if [[ $SELFTEST == 0 && -d Sources/Device ]]; then
    mapfile -t files < <(find Sources/Device -name '*.swift' | LC_ALL=C sort)
fi
if [[ ${#files[@]} -eq 0 ]]; then
    files=(device/selftest/main.swift)
    echo "build-device: program = the platform self-test (device/selftest)"
else
    echo "build-device: program = Sources/Device (${#files[@]} files)"
fi
PARSE=(-parse-as-library)
for f in "${files[@]}"; do [[ $(basename "$f") == main.swift ]] && PARSE=(); done
run "$SWIFTC" "${SWIFTFLAGS[@]}" "${PARSE[@]}" -module-name Device -c -o "$OUT/Device.o" "${files[@]}"
OBJECTS+=("$OUT/Device.o")

# ---- the platform layer (C) ----
for c in "${PLATFORM_C[@]}"; do
    o=$OUT/$(basename "${c%.c}").o
    run "$CC" "${CFLAGS[@]}" -g -Wall -Wextra -ffunction-sections -fdata-sections -I device/include -c "$c" -o "$o"
    OBJECTS+=("$o")
done

# Embedded Swift's String needs Unicode data tables for comparison and normalisation (only the members
# used are linked).
UNICODE_LIB=$SWIFT_BIN/../lib/swift/embedded/$TRIPLE/libswiftUnicodeDataTables.a

# ---- link ----
case $TARGET in
    aarch64-linux)
        # lld, not GNU ld (which refuses Embedded Swift's protected symbols); swiftc's folder holds ld.lld.
        run "$CC" -static -fuse-ld=lld -B"$SWIFT_BIN" -Wl,--gc-sections "${OBJECTS[@]}" "$UNICODE_LIB" -lm \
            -o "$PROGRAM"
        aarch64-linux-gnu-strip -o "$OUT/kws-device.stripped" "$PROGRAM"
        ;;
    cortex-m4)
        # The toolchain's tables are built for the soft-float ABI; they pass no floating-point values, so
        # a copy without ARM build attributes links into the hard-float image.
        arm-none-eabi-objcopy --remove-section=.ARM.attributes "$UNICODE_LIB" "$OUT/libswiftUnicodeDataTables-hf.a"
        # newlib-nano (smaller malloc) and libnosys; our start-up replaces crt0 (newlib's rdimon crt0 hangs here).
        run "$CC" "${CFLAGS[@]}" -T device/cortex-m4/mps2-an386.ld -nostartfiles --specs=nano.specs --specs=nosys.specs \
            -Wl,--gc-sections -Wl,--no-enum-size-warning -Wl,--no-warn-execstack -Wl,-Map="$OUT/kws-device.map" \
            "${OBJECTS[@]}" "$OUT/libswiftUnicodeDataTables-hf.a" -lm -o "$PROGRAM"
        ;;
esac

# ---- footprint ----
echo
echo "build-device: $PROGRAM (${IMPORTS[*]:-no core modules} + Device, $OPT)"
case $TARGET in
    aarch64-linux)
        size=$(stat -c %s "$PROGRAM"); stripped=$(stat -c %s "$OUT/kws-device.stripped")
        printf '  binary %d bytes (%d KiB), stripped %d bytes (%d KiB)\n' "$size" $((size / 1024)) "$stripped" $((stripped / 1024))
        llvm-size "$PROGRAM" 2>/dev/null | sed 's/^/  /' || true
        ;;
    cortex-m4)
        stack=$((16#$(arm-none-eabi-nm "$PROGRAM" | awk '$3 == "__stack_size" { print $1 }')))
        arm-none-eabi-size -A "$PROGRAM" | awk -v stack="$stack" '
            $1 ~ /^\./ && $3 ~ /^[0-9]+$/ {
                if ($1 == ".data") data += $2
                else if ($1 == ".bss") bss += $2
                else if ($3 < 536870912 && $1 != ".ARM.attributes" && $1 !~ /^\.(debug|comment)/) ro += $2
            }
            END {
                flash = ro + data; ram = data + bss
                printf "  flash (text + rodata + tables + .data initial values): %8d bytes (%6.1f KiB)\n", flash, flash / 1024
                printf "  static RAM (.data + .bss):                              %8d bytes (%6.1f KiB)\n", ram, ram / 1024
                printf "  main stack (reserved, __stack_size):                    %8d bytes (%6.1f KiB); the heap is what remains\n", stack, stack / 1024
                printf "  boards:                    flash     RAM    this image: flash %%  static RAM + stack %%\n"
                n = split("STM32F407 (M4F)|1024|192;STM32F746 (M7)|1024|320;nRF52840 (M4F)|1024|256;STM32L476 (M4F)|1024|128", b, ";")
                for (i = 1; i <= n; i++) {
                    split(b[i], f, "|")
                    printf "    %-18s %6d KiB %4d KiB         %5.1f %%       %5.1f %%\n", f[1], f[2], f[3], 100 * flash / (f[2] * 1024), 100 * (ram + stack) / (f[3] * 1024)
                }
            }'
        echo "  (sections: arm-none-eabi-size -A $PROGRAM; map: $OUT/kws-device.map)"
        ;;
esac
