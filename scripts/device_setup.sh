#!/usr/bin/env bash
# Run on the device machine: installs the carried wheels and unpacks the carried data
# (see prepare_device_carry.sh), and writes .carry/env.sh to source afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .carry/wheels/*.whl
mkdir -p /tmp/data
tar xzf .carry/data.tar.gz -C /tmp/data
printf 'export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}\nexport DATA_ROOT=/tmp/data\n' > .carry/env.sh
