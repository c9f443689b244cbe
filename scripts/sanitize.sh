#!/usr/bin/env bash
# Sanitizer step (CI runs it after the test command): builds the CPU kernels with
# AddressSanitizer and UndefinedBehaviorSanitizer (CONVLAB_SANITIZE, ops/_extension.py; its own
# build folder, a few minutes the first time) and runs the op tests on that build, the fuzz test
# with more cases; tests/test_sanitizer.py shows that a deliberate out-of-bounds read is caught.
# A sanitizer report stops the run: the first one is printed in full and the script fails.
# MAX_JOBS limits the build's parallel compile jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
reports=$(mktemp -d)
trap 'rm -rf "$reports"; echo "sanitize.sh: total $((SECONDS - start)) s"' EXIT

# The runtimes of the compiler that builds the extension (torch's cpp_extension: $CXX or c++;
# CXX is left as it is, since a different compiler command rebuilds every file).
compiler=${CXX:-c++}
runtimes=()
for lib in libasan.so libubsan.so; do
  path=$("$compiler" -print-file-name="$lib")
  if [[ $path != /* || ! -e $path ]]; then
    echo "sanitize.sh: $compiler has no $lib (gcc's sanitizer runtimes: libasan, libubsan)" >&2
    exit 1
  fi
  runtimes+=("$path")
done

export CONVLAB_SANITIZE=address,undefined
# CPU only: the sanitized build has no CUDA kernels, and ASan's shadow memory and the CUDA
# driver do not mix.
export CONVLAB_CUDA=0 CUDA_VISIBLE_DEVICES=
# python and torch are not built with the sanitizers: the runtimes are preloaded so that they
# come first (ASan refuses to start otherwise) and see every allocation. Leaks are not checked:
# torch's and python's own allocations that live until exit are not convlab's.
export LD_PRELOAD="${runtimes[0]}:${runtimes[1]}${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export CONVLAB_FUZZ_EXAMPLES=${CONVLAB_FUZZ_EXAMPLES:-60}  # 4 property tests: 240 cases

first_report() {
  local report
  report=$(ls -tr "$reports" | head -n 1)
  if [[ -n $report ]]; then
    echo "sanitize.sh: first sanitizer report ($report):" >&2
    cat "$reports/$report" >&2
  fi
}

status=0
echo "sanitize.sh: building the sanitized CPU extension (if needed)"
python3 -c "import ops" || status=$?
if (( status == 0 )); then
  echo "sanitize.sh: op tests on the sanitized build (build: $((SECONDS - start)) s)"
  python3 -m pytest -q \
    tests/test_conv2d.py tests/test_conv2d_algorithms.py tests/test_max_pool2d.py \
    tests/test_avg_pool2d.py tests/test_adaptive_avg_pool2d.py tests/test_workspace.py \
    tests/test_half_types.py tests/test_double_backward.py tests/test_conv1d.py \
    tests/test_conv3d.py tests/test_pool1d.py tests/test_pool3d.py tests/test_fuzz.py \
    tests/test_worked_examples.py tests/test_cuda.py tests/test_sanitizer.py || status=$?
fi
if (( status != 0 )); then
  first_report
  echo "sanitize.sh: FAILED (exit status $status)" >&2
  exit "$status"
fi
first_report  # a report with a zero exit status would be a sanitizer that did not halt
if [[ -n $(ls "$reports") ]]; then
  echo "sanitize.sh: FAILED (a sanitizer reported, see above)" >&2
  exit 1
fi
echo "sanitize.sh: passed"
