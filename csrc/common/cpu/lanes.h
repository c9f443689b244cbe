#pragma once

// N values of scalar type S side by side, with the arithmetic winograd.h's transforms use: the
// CPU runs one transform on N tiles at once, and each operator's loop over the lanes compiles
// to vector instructions.
#include <c10/macros/Macros.h>

#include <cstdint>

namespace convlab {
namespace ops {
namespace cpu {

template <typename S, int N>
struct Lanes {
  static constexpr int kSize = N;
  S v[N];
};

template <typename S, int N>
C10_ALWAYS_INLINE Lanes<S, N> operator+(const Lanes<S, N>& a, const Lanes<S, N>& b) {
  Lanes<S, N> r;
  for (int i = 0; i < N; ++i) {
    r.v[i] = a.v[i] + b.v[i];
  }
  return r;
}

template <typename S, int N>
C10_ALWAYS_INLINE Lanes<S, N> operator-(const Lanes<S, N>& a, const Lanes<S, N>& b) {
  Lanes<S, N> r;
  for (int i = 0; i < N; ++i) {
    r.v[i] = a.v[i] - b.v[i];
  }
  return r;
}

template <typename S, int N>
C10_ALWAYS_INLINE Lanes<S, N> operator*(const Lanes<S, N>& a, S c) {
  Lanes<S, N> r;
  for (int i = 0; i < N; ++i) {
    r.v[i] = a.v[i] * c;
  }
  return r;
}

// The first `count` lanes from / to memory (the rest load as zeros). A full pack is a plain
// fixed-size loop, so it compiles to vector moves rather than a library copy.
template <typename S, int N>
C10_ALWAYS_INLINE Lanes<S, N> load_lanes(const S* from, int64_t count) {
  Lanes<S, N> r;
  if (count == N) {
    for (int i = 0; i < N; ++i) {
      r.v[i] = from[i];
    }
  } else {
    for (int i = 0; i < N; ++i) {
      r.v[i] = i < count ? from[i] : S(0);
    }
  }
  return r;
}

template <typename S, int N>
C10_ALWAYS_INLINE void store_lanes(const Lanes<S, N>& a, int64_t count, S* to) {
  if (count == N) {
    for (int i = 0; i < N; ++i) {
      to[i] = a.v[i];
    }
  } else {
    for (int64_t i = 0; i < count; ++i) {
      to[i] = a.v[i];
    }
  }
}

} // namespace cpu
} // namespace ops
} // namespace convlab
