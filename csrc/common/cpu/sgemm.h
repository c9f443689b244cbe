#pragma once

// convlab's own float32 GEMM on the CPU (BLIS's method: operands packed into cache-sized
// panels, a register-blocked micro-kernel in the widest vectors the build targets), so that
// every algorithm's GEMMs run at the machine's rate whichever BLAS torch brings.
#include <cstdint>

namespace convlab {
namespace ops {
namespace cpu {
namespace sgemm {

// One operand of a batched GEMM: element (batch i, row r, column c) at
// data[i * batch_stride + r * row_stride + c * col_stride]; any strides (a transposed view, an
// expanded batch of stride 0) are read as they are by the packing.
struct Matrix {
  const float* data;
  int64_t batch_stride, row_stride, col_stride;
};

// c[i] = a[i] @ b[i] (+ c[i] when `accumulate`) for i < batch; a[i] is m x k, b[i] k x n,
// c[i] m x n with unit column stride. One parallel region over the batch and the blocks of
// every matrix at once.
void batched_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, Matrix a, Matrix b, float* c,
                  int64_t c_batch_stride, int64_t ldc, bool accumulate);

// The instruction set the micro-kernel was compiled for ("AVX-512", "AVX2", "scalar").
const char* instruction_set();

} // namespace sgemm
} // namespace cpu
} // namespace ops
} // namespace convlab
