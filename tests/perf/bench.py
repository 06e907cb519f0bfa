"""Benchmark harness placeholder: the benchmark issue fills this in (make bench)."""

import sys

if __name__ == "__main__":
    print("The benchmark harness is not written yet (see the benchmark issue).")
    sys.exit(0)
