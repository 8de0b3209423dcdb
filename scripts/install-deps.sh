#!/usr/bin/env bash
# Debian 12 packages the project needs: C libraries for the Swift build (FFTW, libmosquitto) and OpenBLAS,
# which is opened at run time when a plan uses it; mosquitto for the MQTT tests; espeak-ng, flite and sox for
# the Python reference. HDF5 files are read by our own reader (Sources/Tensor/HDF5File.swift): no libhdf5.
# Idempotent; runs apt only when something is missing.
set -euo pipefail
pkgs=(pkg-config libopenblas0 libfftw3-dev libmosquitto-dev mosquitto espeak-ng flite sox)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
