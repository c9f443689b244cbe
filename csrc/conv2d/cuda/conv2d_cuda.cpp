// conv2d and conv2d_backward on CUDA tensors: conv2d.cpp's entries, which take the device
// guard and the CUDA kernels registered under conv2d/*/cuda/.
#include <torch/library.h>

#include "conv2d/conv2d.h"

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  convlab::ops::register_conv2d_cuda(m);
}
