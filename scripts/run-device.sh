#!/usr/bin/env bash
# Runs the device program built by scripts/build-device.sh under QEMU, with ARGS as its command line.
#
# usage: scripts/run-device.sh aarch64-linux|cortex-m4 [ARGS...]
#   aarch64-linux  qemu-aarch64-static build/device/aarch64-linux/kws-device ARGS
#   cortex-m4      qemu-system-arm -M mps2-an386 with semihosting: ARGS reach the program through
#                  SYS_GET_CMDLINE (an argument may not contain a blank), files are opened on the host
#                  relative to the current directory, "-" is this script's standard input, output goes
#                  to its standard output and error.
# The program's exit status is this script's; a run longer than KWS_DEVICE_TIMEOUT seconds (600 by default)
# is killed (status 124). KWS_MEM_REPORT=1 (cortex-m4): the image prints its heap and stack peaks at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=${KWS_DEVICE_TIMEOUT:-600}

[[ $# -ge 1 ]] || { echo "usage: $0 aarch64-linux|cortex-m4 [ARGS...]" >&2; exit 2; }
TARGET=$1; shift

case $TARGET in
    aarch64-linux)
        program=$ROOT/build/device/aarch64-linux/kws-device
        [[ -x $program ]] || { echo "run-device: $program missing: scripts/build-device.sh aarch64-linux" >&2; exit 2; }
        exec timeout "$TIMEOUT" qemu-aarch64-static "$program" "$@"
        ;;
    cortex-m4)
        image=$ROOT/build/device/cortex-m4/kws-device.elf
        [[ -f $image ]] || { echo "run-device: $image missing: scripts/build-device.sh cortex-m4" >&2; exit 2; }
        config="enable=on,target=native,arg=kws-device"
        [[ ${KWS_MEM_REPORT:-0} == 1 ]] && config+=",arg=--kws-mem-report"
        for a in "$@"; do
            if [[ -z $a || $a == *[[:blank:]]* ]]; then
                echo "run-device: semihosting passes the command line as one blank-separated string:" \
                     "an argument may be neither empty nor contain blanks: '$a'" >&2
                exit 2
            fi
            config+=",arg=${a//,/,,}"   # QEMU's option syntax: a comma inside a value is doubled
        done
        # No serial port, monitor or display: with -nographic QEMU's stdio multiplexer would take standard
        # input, and the program's "-" (semihosting ":tt") would read nothing. Semihosting output goes to
        # QEMU's own standard output and error.
        exec timeout "$TIMEOUT" qemu-system-arm -M mps2-an386 -display none -monitor none -serial none \
            -semihosting-config "$config" -kernel "$image"
        ;;
    *) echo "usage: $0 aarch64-linux|cortex-m4 [ARGS...]" >&2; exit 2 ;;
esac
