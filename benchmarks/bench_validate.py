#!/usr/bin/env python3
"""How much `validate` costs over the floor of just reading and parsing the YAML.

    python benchmarks/bench_validate.py [--sizes 1000,10000,100000] [--repeat R] [--workdir DIR] [--seed S]

For each size N it generates (or reuses, cached in the work folder by N,
seed and generator version) a valid story of N scenes, then times, in this
one process, alternating and keeping the best of R runs:

  floor     list the folder, read + decode every file, yaml.load(text, Loader=yaml.CSafeLoader)
  validate  engine.validate.validate([DIR])   (must report no diagnostics)

The bar: validate/floor <= 2.0 at 10,000 scenes (exit 1 otherwise), and
time per scene roughly constant from 10k to 100k (reported, ratio ~1.0).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402

import gen_story  # noqa: E402
from engine import validate as engine_validate  # noqa: E402

BAR = 2.0
BAR_SIZE = 10_000
SUFFIXES = (".yaml", ".yml")


def _gen_version() -> str:
    return hashlib.sha256((HERE / "gen_story.py").read_bytes()).hexdigest()[:10]


def story_dir(workdir: Path, n: int, seed: int) -> Path:
    """The cached story for (n, seed), generated once; a marker says it is complete."""
    folder = workdir / f"story-n{n}-seed{seed}-{_gen_version()}"
    done = workdir / (folder.name + ".done")
    if not done.exists():
        if folder.exists():
            for p in folder.iterdir():
                p.unlink()
        t = time.perf_counter()
        gen_story.generate(n, folder, seed)
        done.write_text("ok\n")
        print(f"  generated {n:,} scenes in {folder} ({time.perf_counter() - t:.1f}s)", flush=True)
    return folder


def _files(folder: str) -> list[str]:
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if name.endswith(SUFFIXES)]


def warm(folder: str) -> int:
    """Read every file once so the OS file cache is equally warm for both measurements."""
    total = 0
    for path in _files(folder):
        with open(path, "rb") as f:
            total += len(f.read())
    return total


def floor(folder: str) -> int:
    count = 0
    for path in _files(folder):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        yaml.load(text, Loader=yaml.CSafeLoader)
        count += 1
    return count


def run_validate(folder: str) -> int:
    result = engine_validate.validate([folder])
    if result.diagnostics:
        shown = "\n".join(str(d) for d in result.diagnostics[:5])
        raise SystemExit(f"validate reported {len(result.diagnostics)} diagnostic(s) on {folder}:\n{shown}")
    return result.files


def timed(fn, folder: str) -> float:
    gc.collect()
    t = time.perf_counter()
    fn(folder)
    return time.perf_counter() - t


def versions() -> str:
    try:
        from importlib.metadata import version

        js = version("jsonschema")
    except Exception:  # pragma: no cover
        js = "?"
    libyaml = bool(getattr(yaml, "__with_libyaml__", False))
    return (f"Python {platform.python_version()} ({sys.executable}); PyYAML {yaml.__version__} "
            f"(libyaml: {'yes' if libyaml else 'NO'}); jsonschema {js}; CPUs: {os.cpu_count()}; "
            f"{platform.platform()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated scene counts")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs of each measurement, best kept (default 3; 2 for N >= 50,000)")
    ap.add_argument("--workdir", type=Path, default=None, help="where generated stories are cached (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="vignettes-bench-")
        workdir = Path(tmp.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)

    print(versions())
    print(f"work folder: {workdir}", flush=True)
    rows = []
    for n in sizes:
        folder = str(story_dir(workdir, n, args.seed))
        repeat = args.repeat if args.repeat is not None else (2 if n >= 50_000 else 3)
        size = warm(folder)
        f_best = v_best = float("inf")
        for r in range(repeat):
            f_best = min(f_best, timed(floor, folder))
            v_best = min(v_best, timed(run_validate, folder))
        files = len(_files(folder))
        rows.append((n, f_best, v_best))
        print(f"  N={n:,}: {files:,} files, {size / 1e6:.1f} MB, best of {repeat}: "
              f"floor {f_best:.3f}s, validate {v_best:.3f}s", flush=True)

    print()
    head = f"{'N':>8} {'floor s':>9} {'validate s':>11} {'floor sc/s':>11} {'valid. sc/s':>12} {'ratio v/f':>10} {'floor us/sc':>12} {'valid. us/sc':>13}"
    print(head)
    print("-" * len(head))
    for n, f, v in rows:
        print(f"{n:>8,} {f:>9.3f} {v:>11.3f} {n / f:>11,.0f} {n / v:>12,.0f} {v / f:>10.2f} "
              f"{f / n * 1e6:>12.1f} {v / n * 1e6:>13.1f}")
    print()

    by_n = {n: (f, v) for n, f, v in rows}
    if 10_000 in by_n and 100_000 in by_n:
        small, big = 10_000, 100_000
    elif len(rows) >= 2:
        small, big = sorted(by_n)[-2:]
    else:
        small = big = None
    if small is not None:
        per_small = by_n[small][1] / small
        per_big = by_n[big][1] / big
        fl = (by_n[big][0] / big) / (by_n[small][0] / small)
        print(f"linearity: validate time per scene at {big:,} / at {small:,} = {per_big / per_small:.2f} "
              f"(1.0 = linear; floor: {fl:.2f})")

    status = 0
    if BAR_SIZE in by_n:
        f, v = by_n[BAR_SIZE]
        ok = v / f <= BAR
        print(f"bar: validate/floor at {BAR_SIZE:,} scenes = {v / f:.2f} (must be <= {BAR}): {'PASS' if ok else 'FAIL'}")
        status = 0 if ok else 1
    else:
        print(f"bar: not checked ({BAR_SIZE:,} not among the sizes)")
    if tmp is not None:
        tmp.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
