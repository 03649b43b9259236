#!/usr/bin/env python3
"""Cold start: `python -m engine validate` on the bundled story vs importing yaml and jsonschema.

    python benchmarks/bench_cold.py [--runs 10]

Both run as fresh subprocesses of this same interpreter, from the repo root,
alternating, best (minimum) wall time of --runs each. The bar: validate /
imports <= 1.5 (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BAR = 1.5

VALIDATE = [sys.executable, "-m", "engine", "validate"]
IMPORTS = [sys.executable, "-c", "import yaml, jsonschema"]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args(argv)
    # One untimed run of each, so .pyc files exist and the file cache is warm for both.
    wall(VALIDATE)
    wall(IMPORTS)
    v_best = i_best = float("inf")
    for _ in range(args.runs):
        v_best = min(v_best, wall(VALIDATE))
        i_best = min(i_best, wall(IMPORTS))
    ratio = v_best / i_best
    print(f"Python {sys.version.split()[0]} ({sys.executable}), cwd {REPO}, best of {args.runs}")
    for label, best in (("python -m engine validate", v_best), ('python -c "import yaml, jsonschema"', i_best)):
        print(f"  {label:<36} {best * 1000:8.1f} ms")
    ok = ratio <= BAR
    print(f"ratio validate/imports = {ratio:.2f} (must be <= {BAR}): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
