#!/usr/bin/env bash
# Run here, before a device-tool call: fills the git-ignored .carry/ with what the GPU image
# lacks (hydra-core, omegaconf and antlr4 wheels) and a compressed tar of ../shared/data, which
# does not travel. Name ".carry" in the call's `carry`; the whole GPU proof is then one command:
# `bash scripts/device_setup.sh && source .carry/env.sh && bash scripts/gpu_check.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .carry/wheels
python3 -m pip download -q --no-deps --only-binary=:all: -d .carry/wheels \
  "hydra-core==1.3.*" "omegaconf==2.3.*"
# antlr4-python3-runtime 4.9.3 (omegaconf's parser runtime) is published as source only.
python3 -m pip wheel -q --no-deps -w .carry/wheels antlr4-python3-runtime==4.9.3
# Compressed: plain, its 30,000 small files' headers and padding make 58 MB of a call's 64 MiB;
# the JPEGs' shared headers compress too (12 MB).
tar czf .carry/data.tar.gz -C ../shared/data MNIST cifar10-jpg
du -sh .carry
