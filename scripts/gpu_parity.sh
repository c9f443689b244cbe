#!/usr/bin/env bash
# The GPU parity runs of docs/results.md's table, side by side on one GPU (none of them comes near
# filling it): LeNet-5/MNIST (20 epochs, seeds 0-2), VGG-16-BN and AlexNet (CIFAR variant) on
# the CIFAR-10 JPEG subset (30 epochs, seed 0), tolerance 1 point. PARITY_MODELS picks some of
# them (default "lenet vgg16 alexnet"). DATA_ROOT must hold MNIST/raw and cifar10-jpg (on a
# device machine: a carried copy). Each model's report and log go to $OUT/parity_<model>/
# (default outputs/). Its seconds per epoch are those of shared GPU time, not speed readings.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
: "${DATA_ROOT:?set DATA_ROOT to the folder holding MNIST/raw and cifar10-jpg}"
out="${OUT:-outputs}"
models=${PARITY_MODELS:-lenet vgg16 alexnet}
for model in $models; do
  case $model in
    lenet|vgg16|alexnet) ;;
    *) echo "PARITY_MODELS: unknown model '$model' (lenet, vgg16, alexnet)" >&2; exit 2 ;;
  esac
done

parity() {  # parity MODEL OVERRIDES...: one parity.py run into $out/parity_MODEL
  local dir="$out/parity_$1"
  mkdir -p "$dir"
  python3 parity.py model="$1" "${@:2}" trainer=gpu trainer.enable_progress_bar=false \
    parity.tolerance=1.0 "hydra.run.dir=$dir" > "$dir/run.log" 2>&1
}

pids=()
for model in $models; do
  case $model in
    lenet) parity lenet data.root="$DATA_ROOT" trainer.max_epochs=20 'parity.seeds=[0,1,2]' \
             data.num_workers=2 & ;;
    vgg16|alexnet) parity "$model" data=imagefolder data.root="$DATA_ROOT/cifar10-jpg" \
                     trainer.max_epochs=30 data.num_workers=5 & ;;
  esac
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for model in $models; do
  tail -n 4 "$out/parity_$model/run.log"
done
exit $status
