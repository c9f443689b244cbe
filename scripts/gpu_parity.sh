#!/usr/bin/env bash
# The GPU parity runs of the README's table: LeNet-5/MNIST (20 epochs, 3 seeds), VGG-16-BN and
# AlexNet (CIFAR variant) on the CIFAR-10 JPEG subset (30 epochs, 1 seed), tolerance 1 point.
# DATA_ROOT must hold MNIST/raw and cifar10-jpg (on a device machine: a carried copy).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
: "${DATA_ROOT:?set DATA_ROOT to the folder holding MNIST/raw and cifar10-jpg}"
common=(trainer=gpu trainer.enable_progress_bar=false parity.tolerance=1.0 "hydra.run.dir=${OUT:-outputs}/parity_\${model.name}")
status=0
python3 parity.py model=lenet data.root="$DATA_ROOT" trainer.max_epochs=20 'parity.seeds=[0,1,2]' \
  data.num_workers=4 "${common[@]}" || status=1
for model in vgg16 alexnet; do
  python3 parity.py model=$model data=imagefolder data.root="$DATA_ROOT/cifar10-jpg" \
    trainer.max_epochs=30 data.num_workers=8 "${common[@]}" || status=1
done
exit $status
