#!/usr/bin/env bash
# Debian 12 packages the project needs: C libraries for the Swift build (FFTW, libmosquitto; libzip's header)
# and the libraries opened at run time on first use: OpenBLAS when a plan uses it, libhdf5 for the HDF5 files
# the fast reader (Sources/KerasIO/HDF5FastReader.swift) does not read, libzip for Keras 3 .keras files;
# mosquitto for the MQTT tests; espeak-ng, flite and sox for the Python reference.
# Idempotent; runs apt only when something is missing.
set -euo pipefail
pkgs=(pkg-config libopenblas0 libfftw3-dev libmosquitto-dev libhdf5-dev libzip-dev mosquitto espeak-ng flite sox gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user-static qemu-system-arm)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
