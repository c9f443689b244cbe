#!/usr/bin/env bash
# Builds the CUDA flavour of the extension and checks that every op has a CUDA kernel.
# Needs nvcc but no GPU, so CI catches a CUDA break on machines without one.
set -euo pipefail
cd "$(dirname "$0")/.."

# nvcc on the PATH may be a wrapper script outside the toolkit, so prefer the usual home.
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then
  export CUDA_HOME=/usr/local/cuda
fi
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
export CONVLAB_CUDA=1

python3 - <<'PY'
import torch

import ops
from tests.test_extension import OPS

missing = [name for name in OPS
           if not torch._C._dispatch_has_kernel_for_dispatch_key(f"convlab::{name}", "CUDA")]
if missing:
    raise SystemExit(f"CUDA build has no CUDA kernel for: {', '.join(missing)}")
print(f"CUDA build compiled and loaded: {len(OPS)} ops have CUDA kernels")
PY
