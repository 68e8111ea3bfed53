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
  clang libclang-rt-14-dev
  libopencv-dev libzxing-dev
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-script-viet
  libpango1.0-dev libcairo2-dev libpoppler-cpp-dev poppler-utils libqpdf-dev
  libxlsxwriter-dev libreadstat-dev readstat zlib1g-dev
  pspp python3
  libcpp-httplib-dev libsodium-dev nlohmann-json3-dev libcli11-dev
  libssl-dev libsqlite3-dev sqlite3 libtiff-dev libtiff-tools libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsane-dev sane-utils
  fonts-dejavu-core fonts-noto-core fonts-texgyre fonts-sil-andika
  fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-humor-sans fonts-kristi fonts-dancingscript
)
# The review server (phieu serve): libsodium for session tokens and password hashes, and
# cpp-httplib (listed above) for HTTP.
PACKAGES+=(libsodium-dev)
# The review screen's browser tests: Debian's chromium, driven from node by playwright-core
# (installed below with npm). Node's own npm when it has one (NodeSource bundles it).
PACKAGES+=(chromium nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

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
if [ "${PHIEU_BUILD_TESTS:-ON}" = ON ]; then
  npm ci --prefix review-ui/tests --no-audit --no-fund --loglevel=error
  echo "setup: review-ui/tests/node_modules ready (browser tests)"
fi
