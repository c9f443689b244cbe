#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {

// Argument checks shared by every op; `op` prefixes the message so the user sees which
// convlab call and which argument was wrong.
void check_4d(const at::Tensor& t, const char* op, const char* name);
void check_pair(at::IntArrayRef values, const char* op, const char* name, int64_t min_value);
void check_same_device_and_dtype(
    const at::Tensor& a, const char* a_name, const at::Tensor& b, const char* b_name, const char* op);
// float32, float64, float16 and bfloat16 (the half types compute in float32).
void check_floating_dtype(const at::Tensor& t, const char* op);
void check_shape(const at::Tensor& t, at::IntArrayRef expected, const char* op, const char* name);

} // namespace ops
} // namespace convlab
