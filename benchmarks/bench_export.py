#!/usr/bin/env python3
"""The exported page's budgets.

    python benchmarks/bench_export.py [--scenes 1000] [--runs 5]

- the bundled story's page is at most 150 KB;
- a `gen_story` story of N scenes (default 1,000) exports, validation
  included, in under 5 s (`vignettes export` in a fresh process, best of runs);
- its page shows the first scene within 1 s of navigation in headless
  Chromium (performance.now() when the first passage enters the log,
  measured from the navigation's start; worst of runs).

Needs Debian's chromium and the test extras (Playwright). Exit status 1 when
a bar is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

PAGE_BUDGET = 150 * 1024
EXPORT_BUDGET = 5.0
FIRST_SCENE_BUDGET = 1.0

WATCH = """
new MutationObserver((changes, observer) => {
  if (document.querySelector('[role="log"] article')) {
    window.__firstScene = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def first_scene_times(page: Path, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    from webtools import launch

    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("chromium is not installed: apt-get install chromium")
    times = []
    with sync_playwright() as p:
        browser = launch(p, chromium)
        for _ in range(runs):
            context = browser.new_context()
            tab = context.new_page()
            tab.add_init_script(WATCH)
            tab.goto(page.as_uri())
            tab.wait_for_function("window.__firstScene !== undefined", timeout=10_000)
            times.append(tab.evaluate("window.__firstScene") / 1000)
            context.close()
        browser.close()
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    from engine import export
    from engine.validate import load_story

    ok = True
    bundled = len(export.page(load_story()).encode("utf-8"))
    ok &= bundled <= PAGE_BUDGET
    print(f"bundled story page: {bundled / 1024:.1f} KB (bar <= {PAGE_BUDGET // 1024} KB)")

    with tempfile.TemporaryDirectory() as tmp:
        story, page = Path(tmp) / "story", Path(tmp) / "page.html"
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_story.py"), "--scenes", str(args.scenes),
                        "--out", str(story)], check=True, capture_output=True)
        export_times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "engine", "export", str(story), "-o", str(page), "--force"],
                           check=True, capture_output=True, cwd=REPO)
            export_times.append(time.perf_counter() - start)
        size = page.stat().st_size
        best = min(export_times)
        ok &= best < EXPORT_BUDGET
        print(f"{args.scenes}-scene story: export {best:.2f} s best, {statistics.median(export_times):.2f} s median "
              f"of {args.runs} (bar < {EXPORT_BUDGET:.0f} s); page {size / 1024:.0f} KB")
        shown = first_scene_times(page, args.runs)
        ok &= max(shown) < FIRST_SCENE_BUDGET
        print(f"{args.scenes}-scene page: first scene {statistics.median(shown) * 1000:.0f} ms median, "
              f"{max(shown) * 1000:.0f} ms worst of {args.runs} after navigation (bar < {FIRST_SCENE_BUDGET * 1000:.0f} ms)")
    print("all bars met" if ok else "A BAR IS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
