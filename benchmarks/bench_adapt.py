"""How long `vignettes adapt` takes on the largest source it accepts (just under 10 MiB).

Generates an archive-style HTML download and a plain-text story of the
given size (a separator every 900 paragraphs, so that no vignette passes
the 1 MiB scene limit) and a published Twine story of as many small
passages as fit, then times
reading and planning the drafts (`adapt.read` + `adapt.plan`, no writing),
best of --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import adapt  # noqa: E402

SENTENCE = "The sea came in &amp; went out again, as it always had, and she watched it from the wall &#8212; patient."


def html_source(size: int) -> str:
    head = ('<html><body><div id="preface"><div class="meta"><h1>Bench</h1><div class="byline">by Bench</div>'
            '<p>Summary</p><blockquote class="userstuff"><p>A long one.</p></blockquote></div></div>'
            '<div id="chapters" class="userstuff"><div class="userstuff">')
    para = f"<p>{SENTENCE}\n   {SENTENCE}</p>\n"
    count = (size - len(head) - 100) // len(para)
    body = "".join(para + ("<hr/>\n" if i % 900 == 899 else "") for i in range(count))
    return head + body + "</div></div></body></html>"


def text_source(size: int) -> str:
    para = SENTENCE.replace("&amp;", "&").replace("&#8212;", "—") + "\n" + SENTENCE.replace("&amp;", "and") + "\n\n"
    count = (size - 100) // len(para.encode())
    return "Bench\nby Bench\n\n" + "".join(para + ("* * *\n\n" if i % 900 == 899 else "") for i in range(count))


def twine_source(size: int) -> str:
    """A published Twine 2 story: passages of a few lines each, every one linking on and back, the last an ending."""
    head = '<html><body><tw-storydata name="Bench" startnode="1" format="Harlowe">'
    lines = f"{SENTENCE}\n{SENTENCE}\n"
    count = (size - len(head) - 100) // (len(lines) + 140)
    passages = []
    for i in range(1, count + 1):
        links = f"[[On-&gt;P{i + 1}]]\n[[Back-&gt;P{max(1, i - 1)}]]" if i < count else ""
        passages.append(f'<tw-passagedata pid="{i}" name="P{i}" tags="" position="0,0">{lines}{links}</tw-passagedata>')
    return head + "".join(passages) + "</tw-storydata></body></html>"


def best(path: Path, repeat: int) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        draft = adapt.read(path)
        plan = adapt.plan(draft, "schemas")
        times.append(time.perf_counter() - start)
        assert not plan.problems, plan.problems
    return min(times), len(draft.vignettes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=adapt.MAX_SOURCE_BYTES - 64 * 1024, help="bytes per source")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("work.html", html_source), ("story.txt", text_source), ("twine.html", twine_source)):
            path = Path(tmp) / name
            path.write_text(make(args.size), encoding="utf-8")
            size = path.stat().st_size
            seconds, scenes = best(path, args.repeat)
            print(f"{name:10} {size / 2**20:5.1f} MiB  {scenes:4} scenes  {seconds:6.2f} s  "
                  f"{size / 2**20 / seconds:5.1f} MiB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
