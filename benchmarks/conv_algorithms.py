"""Every conv algorithm on every conv layer of LeNet-5, AlexNet and VGG-16: the benchmark
suite's conv part with all algorithms, which the rule table behind algorithm="auto"
(csrc/ops/conv2d.cpp) is read from. Kept as a name for that table; the suite does the work:

    python3 benchmarks/conv_algorithms.py [suite options]
    # = python3 -m benchmarks.suite --only conv --algorithms all [suite options]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.suite import main  # noqa: E402

if __name__ == "__main__":
    main(["--only", "conv", "--algorithms", "all", *sys.argv[1:]])
