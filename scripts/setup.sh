#!/usr/bin/env bash
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
#
# Installs every Debian 12 package Phiếu needs and builds it in Release.
# Idempotent: safe to run again; apt skips what is already installed and
# CMake rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git
  libopencv-dev libzxing-dev
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-script-viet
  libpango1.0-dev libcairo2-dev libpoppler-cpp-dev poppler-utils
  libxlsxwriter-dev libreadstat-dev readstat zlib1g-dev
  pspp python3
  libcpp-httplib-dev libsodium-dev nlohmann-json3-dev libcli11-dev
  libssl-dev libsqlite3-dev sqlite3 libtiff-dev libtiff-tools libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsane-dev sane-utils
  fonts-dejavu-core fonts-noto-core fonts-texgyre fonts-sil-andika
  fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-humor-sans fonts-kristi fonts-dancingscript
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${PHIEU_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPHIEU_BUILD_TESTS=${PHIEU_BUILD_TESTS:-ON} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: built $BUILD_DIR/app/phieu"
