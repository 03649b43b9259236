"""Helpers for the exported page's tests: its parts, and the outside programs they need.

Node (the differential test) and Chromium (the browser tests) come from
Debian's packages, installed by .ci/run. In CI (CI=true) a missing one is a
failure; elsewhere the tests that need it are skipped, saying how to get it.
"""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from typing import Optional

import pytest

INSTALL = {
    "node": "apt-get install nodejs",
    "chromium": "apt-get update && apt-get install chromium",
}


def need(program: str) -> str:
    """The path of `program`; fail in CI, skip elsewhere, when it is not installed."""
    path = shutil.which(program)
    if path:
        return path
    message = f"{program} is not installed; install it with `{INSTALL[program]}` (as root) to run these tests"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the exported page's tests: {message}")
    pytest.skip(message)


class _Parts(HTMLParser):
    """The text of each <script> by id, the <head>'s first tag, and every tag's attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self.first_in_head: Optional[tuple[str, dict]] = None
        self._in_head = False
        self._script: Optional[str] = None
        self.styles: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "head":
            self._in_head = True
        elif self._in_head and self.first_in_head is None:
            self.first_in_head = (tag, attrs)
        if tag == "script":
            self._script = attrs.get("id", "")
            self.scripts[self._script] = ""
        self._style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        if tag == "style":
            self._style = False
        if tag == "head":
            self._in_head = False

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[self._script] += data
        if self._style:
            self.styles.append(data)


def parts(html: str) -> _Parts:
    p = _Parts()
    p.feed(html)
    p.close()
    return p


# Headless Chromium kept off the network: no background services, no DNS for anything.
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-sync", "--disable-client-side-phishing-detection",
    "--no-first-run", "--no-default-browser-check", "--metrics-recording-only",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def launch(playwright, executable: str):
    """Debian's Chromium, headless, through Playwright (never `playwright install`)."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
