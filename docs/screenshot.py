#!/usr/bin/env python3
"""Remake docs/export-page.png, the README's picture of an exported page.

    python docs/screenshot.py [--out docs/export-page.png] [--scheme light|dark]

Exports the bundled story, opens it in Debian's headless Chromium (the same
launch as the browser tests), begins, answers the first prompt and shows the
next scene, from the answer given to its options. Run it again whenever the page changes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "export-page.png")
    ap.add_argument("--scheme", choices=("light", "dark"), default="light")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from engine import export
    from engine.validate import load_story
    from webtools import launch

    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("chromium is not installed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page = Path(tmp) / "story.html"
        page.write_text(export.page(load_story()), encoding="utf-8")
        browser = launch(p, chromium)
        tab = browser.new_page(viewport={"width": 760, "height": 1500}, color_scheme=args.scheme,
                               reduced_motion="reduce")
        tab.goto(page.as_uri())
        tab.click('[data-choice="begin"]')
        tab.click('[data-choice="1"]')
        tab.evaluate("document.querySelector('[role=log] article:last-child').scrollIntoView({block: 'start'})")
        tab.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
