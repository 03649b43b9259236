#!/usr/bin/env python3
"""`vignettes check`: states a second, memory a state, the whole command against a plain walk.

    python benchmarks/bench_check.py [--scenes 2000] [--repeat 3] [--workdir DIR] [--explosive 400]

1. exploration rate on a bounded story (gen_story.py --bounded, ~10^5 states):
   distinct states / time of `explore.explore` (the story loaded beforehand,
   load excluded), best of --repeat, in wall and CPU seconds; and with
   everything `check` works out from it (stuck states, coverage, witnesses).
   Bar: >= 200,000 states/s (CPU time: the machine is shared).
2. memory a state: tracemalloc's peak during one exploration / states.
3. `python -m engine check DIR` as a whole process against a plain
   breadth-first walk over `runtime.view` / `runtime.step`, keyed by
   `explore.project` (what a tool without `check` would write), in CPU
   seconds, the best of --repeat runs after one that writes the bytecode
   caches (as installing the package does). Bar: check <= a tenth of the walk.
4. the explosive story (gen_story.py's default, every `add` and goto kept):
   `check` must stop at the budget (exit 3), reporting it, in bounded time
   and memory (max RSS of the process).

Prints the load average with the figures: they are only comparable on a
quiet machine. Exit status 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import gen_story  # noqa: E402
from engine import check, explore, runtime, validate  # noqa: E402

RATE_BAR = 200_000
PROCESS_BAR = 0.1


def story_at(workdir: Path, scenes: int, bounded: bool) -> Path:
    folder = workdir / f"{'bounded' if bounded else 'explosive'}-{scenes}-seed1"
    if not (folder / "story.yaml").exists():
        gen_story.generate(scenes, folder, 1, bounded)
    return folder


def timed(fn, repeat: int):
    """Best wall and best CPU seconds of `repeat` runs, and the last result.

    The cycle collector is paused while timing, as `vignettes check` pauses it.
    """
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        gc.disable()
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
        gc.enable()
    return wall, cpu, result


def analyse(story):
    """What `check` does after loading: explore, then every finding with its witnesses."""
    checker = check.Checker(story, [], "DIR")
    return checker.exhaustive(explore.DEFAULT_MAX_STATES, None)


def plain_walk(story) -> int:
    tracked = explore.tracked_scenes(story)
    first = runtime.start(story)
    found = {explore.project(story, first, tracked)}
    queue = deque([first])
    while queue:
        state = queue.popleft()
        view = runtime.view(story, state)
        for answer in ([None] if view.can_go_on else []) + [i for i, _ in view.options]:
            nxt = runtime.step(story, state, answer)
            key = explore.project(story, nxt, tracked)
            if key not in found:
                found.add(key)
                queue.append(nxt)
    return len(found)


def process(argv: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, max RSS (KiB) and exit status of one child process.

    The child may keep compiled bytecode (an installed package has its .pyc
    files from the install), whatever PYTHONDONTWRITEBYTECODE says here.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    child.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=2000, help="scenes in the bounded story (default 2000)")
    ap.add_argument("--explosive", type=int, default=400, help="scenes in the explosive story (default 400)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, help="where generated stories are kept (default: a temp dir)")
    ap.add_argument("--no-walk", action="store_true", help="skip the plain walk (it takes a minute or more)")
    args = ap.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-check-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    failed = []

    bounded = story_at(workdir, args.scenes, bounded=True)
    story = validate.load_story(bounded)
    wall, cpu, ex = timed(lambda: explore.explore(story), args.repeat)
    states = ex.states
    print(f"\n1. bounded story: {args.scenes} scenes, {states:,} states (complete: {ex.complete})")
    print(f"   explore        {wall:7.3f} s wall {states / wall:>10,.0f} states/s   {cpu:7.3f} s CPU {states / cpu:>10,.0f} states/s")
    wall2, cpu2, outcome = timed(lambda: analyse(story), args.repeat)
    print(f"   + findings     {wall2:7.3f} s wall {states / wall2:>10,.0f} states/s   {cpu2:7.3f} s CPU {states / cpu2:>10,.0f} states/s"
          f"   ({len(outcome.diagnostics)} findings)")
    if states / cpu < RATE_BAR:
        failed.append(f"exploration {states / cpu:,.0f} states/s < {RATE_BAR:,}")

    tracemalloc.start()
    explore.explore(story)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n2. memory: peak {peak / 2**20:.1f} MiB during one exploration, {peak / states:.0f} bytes a state")

    command = [sys.executable, "-m", "engine", "check", str(bounded), "--format", "json"]
    process(command)  # writes the bytecode caches, as installing does
    runs = [process(command) for _ in range(args.repeat)]
    cwall, ccpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"\n3. `vignettes check` as a process: {cwall:.2f} s wall, {ccpu:.2f} s CPU, max RSS {runs[0][2] / 1024:.0f} MiB, "
          f"exit {runs[0][3]}")
    if not args.no_walk:
        t, c = time.perf_counter(), time.process_time()
        walked = plain_walk(story)
        pwall, pcpu = time.perf_counter() - t, time.process_time() - c
        assert walked == states, (walked, states)
        print(f"   plain walk over runtime.view/step: {pwall:.2f} s wall, {pcpu:.2f} s CPU "
              f"({pcpu / states * 1e6:.0f} us a state), {walked:,} states: the same count")
        ratio = ccpu / pcpu
        print(f"   check / walk (CPU): {ratio:.3f} (bar <= {PROCESS_BAR})")
        if ratio > PROCESS_BAR:
            failed.append(f"check is {ratio:.3f} of the plain walk > {PROCESS_BAR}")

    explosive = story_at(workdir, args.explosive, bounded=False)
    ewall, ecpu, rss, status = process([sys.executable, "-m", "engine", "check", str(explosive)])
    print(f"\n4. explosive story ({args.explosive} scenes), default budget: exit {status}, {ewall:.1f} s wall, "
          f"{ecpu:.1f} s CPU, max RSS {rss / 1024:.0f} MiB")
    if status != check.INCOMPLETE:
        failed.append(f"the explosive story exited {status}, not {check.INCOMPLETE}")

    print(f"\nload average now {os.getloadavg()[0]:.2f}")
    for line in failed:
        print(f"BAR MISSED: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
