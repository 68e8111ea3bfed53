// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace phieu::simulator {

/// SplitMix64 finaliser: turns structured seeds (seed, serial, page) into independent streams,
/// so a sheet's content never depends on which thread made it or in what order.
inline std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline std::uint64_t Mix(std::uint64_t a, std::uint64_t b) { return Mix(Mix(a) ^ (b * 0x2545f4914f6cdd1dULL)); }
inline std::uint64_t Mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return Mix(Mix(a, b), c); }
inline std::uint64_t HashText(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs and platforms.
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

using Rng = std::mt19937_64;

inline double Uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline int UniformInt(Rng& rng, int lo, int hi) {  // inclusive.
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}
inline bool Chance(Rng& rng, double p) { return Uniform(rng, 0.0, 1.0) < p; }
inline double Normal(Rng& rng, double mean, double sigma) {
  return std::normal_distribution<double>(mean, sigma)(rng);
}

}  // namespace phieu::simulator
