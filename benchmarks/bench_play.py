#!/usr/bin/env python3
"""How long from Enter on an option to the next scene on screen, on the bundled story.

    python benchmarks/bench_play.py [--runs 20] [--story DIR]

Two measures, both with the autosave (fsync and all) written into a
temporary data folder:

1. in-process: one step split into its parts (runtime step + view, the
   autosave, drawing the next scene with the line player), many times over;
2. end to end in a pseudo-terminal (pexpect): the full-screen player is
   started with `python -m engine play --new`; the clock starts when the
   key is sent and stops when the next scene's menu (or "The end.", or its
   first page when it is longer than the screen) has been drawn. The autosave of each step is written on a second thread while
   the scene is drawn (measure 1 shows what it costs by itself). The pty
   answers no cursor-position requests, so they are turned off
   (PROMPT_TOOLKIT_NO_CPR=1), as a real terminal would answer at once.

The bar is 50 ms per step. Not a test: it prints the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import runtime, validate
from engine.frontend.plain import PlainUI
from engine.saves import SaveFolder

BAR_MS = 50.0


def random_path(story, rng):
    """(answer, key to type) per step of one random playthrough."""
    state, steps = runtime.start(story), []
    while True:
        v = runtime.view(story, state)
        if v.is_ending:
            return steps
        choices = [(i, str(n)) for n, (i, _) in enumerate(v.options, 1)]
        if v.can_go_on:
            choices.append((None, "-" if v.options else "\r"))
        answer, key = rng.choice(choices)
        state = runtime.step(story, state, answer)
        steps.append((answer, key, runtime.view(story, state)))


def summary(name, samples_ms):
    s = sorted(samples_ms)
    p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
    verdict = "ok" if p95 < BAR_MS else "OVER THE BAR"
    print(f"  {name:<34} n={len(s):<5} median {statistics.median(s):7.2f} ms   p95 {p95:7.2f} ms   "
          f"max {s[-1]:7.2f} ms   {verdict}")


def in_process(story, runs, rng, home):
    folder = SaveFolder(story.id, home)
    parts = {"runtime step + view": [], "autosave (atomic, fsync)": [], "draw next scene (plain)": [],
             "whole step": []}
    for _ in range(runs):
        state = runtime.start(story)
        for answer, _, _ in random_path(story, rng):
            ui = PlainUI(None, io.StringIO(), columns=lambda: 80)
            t0 = time.perf_counter()
            state = runtime.step(story, state, answer)
            view = runtime.view(story, state)
            t1 = time.perf_counter()
            folder.write("autosave", runtime.to_dict(story, state))
            t2 = time.perf_counter()
            ui.scene(view)
            t3 = time.perf_counter()
            for key, a, b in (("runtime step + view", t0, t1), ("autosave (atomic, fsync)", t1, t2),
                              ("draw next scene (plain)", t2, t3), ("whole step", t0, t3)):
                parts[key].append((b - a) * 1000)
    for key, samples in parts.items():
        summary(key, samples)


def in_pty(story, story_arg, runs, rng, home):
    try:
        import pexpect
    except ImportError:
        print("  (pexpect is not installed: skipped)")
        return
    env = {**os.environ, "XDG_DATA_HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color",
           "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("NO_COLOR", None)
    samples = []
    for _ in range(runs):
        child = pexpect.spawn(sys.executable, ["-m", "engine", "play", *story_arg, "--new"], env=env,
                              dimensions=(60, 200), encoding="utf-8", timeout=20)
        child.delaybeforesend = None
        child.expect("Begin the story")
        child.send("\r")
        child.expect(HINT_END)
        for _, key, view in random_path(story, rng):
            marker = "The end\\." if view.is_ending else HINT_END
            t0 = time.perf_counter()
            child.send(key)
            first = None  # a scene longer than the screen: the clock stops at its first page
            while child.expect([marker, "-- more --"]) == 1:
                first = first or time.perf_counter()
                child.send(" ")
            samples.append(((first or time.perf_counter()) - t0) * 1000)
        while child.expect(["-- more --", "any key"]) == 0:  # the ending waits for a key before it exits
            child.send(" ")
        child.send("\r")
        child.expect(pexpect.EOF)
        child.close()
    summary("Enter → next scene drawn (pty)", samples)


# The end of every prompt's hint bar (which never splits a key from its word).
HINT_END = "q quit"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="playthroughs per measure (default 20)")
    parser.add_argument("--story", help="a story folder (default: the bundled story)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    story = validate.load_story(args.story)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"story '{story.id}': {len(story.scenes)} scenes; save folder on {tmp}; bar {BAR_MS:.0f} ms")
        print("in-process, per step:")
        in_process(story, args.runs * 10, rng, Path(tmp) / "vignettes")
        print("end to end in a pseudo-terminal, per step:")
        in_pty(story, [args.story] if args.story else [], args.runs, rng, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
