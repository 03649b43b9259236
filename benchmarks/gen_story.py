#!/usr/bin/env python3
"""Write a valid synthetic story of N scenes, for benchmarks.

    python benchmarks/gen_story.py --scenes 10000 --out /tmp/story-10k [--seed 1]

The story passes `python -m engine validate --strict DIR`:

- scene i is `s<i>`, in `<zero-padded i>-s<i>.yaml`, so file order is story order;
- every scene but the last has `next: s<i+1>` and a choice of 2-3 options;
  options sometimes `goto` a later scene (never an earlier one), so every
  scene is reachable from the start and the last scene, the single ending,
  is reachable from everywhere;
- five variables (3 integer, 2 boolean), each read by some condition (the
  ending reads them all, so even N=1 has no unused variable);
- conditions are all satisfiable (no W110), some use seen(<earlier scene>).

Only the standard library; YAML is written as text, strings as JSON
double-quoted scalars (valid YAML). Output is deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"

WORDS = (
    "the a an and but or so then while when after before under over across through into onto "
    "lantern harbour window corridor garden kitchen letter promise silence morning evening winter "
    "summer river bridge station platform train ticket coat pocket key door stair roof candle "
    "shadow light voice hand face smile rain wind stone glass paper book chair table road field "
    "quiet small old new warm cold bright dark slow quick careful tired brave gentle strange "
    "familiar distant sudden patient heavy empty full broken golden grey green blue red "
    "walked waited watched listened remembered forgot carried opened closed turned kept lost "
    "found heard said asked answered smiled laughed counted folded climbed crossed followed "
    "she he they we it nobody everyone someone her his their our its "
    "again still never always almost only already slowly softly quietly once twice "
    "of to in on at by with from for without beside behind beyond near"
).split()

QUESTIONS = (
    "What does she keep from it?", "Where does he look first?", "What do they say?",
    "Which way now?", "What is left unsaid?", "What stays with her?",
)

INT_VARS = ("courage", "doubt", "trust")
BOOL_VARS = ("found_key", "told_truth")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 14))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, words: int) -> str:
    out, n = [], 0
    while n < words:
        s = _sentence(rng)
        out.append(s)
        n += s.count(" ") + 1
    return " ".join(out)


# In a bounded story, seen() names only these scenes, so few seen flags are state.
BOUNDED_SEEN = (2, 5, 11)


def _condition(rng: random.Random, i: int, bounded: bool = False) -> str:
    """A satisfiable condition; seen() only names earlier scenes."""
    r = rng.random()
    if bounded and r < 0.05 and i > BOUNDED_SEEN[0]:
        k = rng.choice([s for s in BOUNDED_SEEN if s < i])
        return rng.choice((f"seen(s{k})", f"not seen(s{k})"))
    if not bounded and i > 1 and r < 0.2:
        k = rng.randint(1, i - 1)
        return rng.choice((f"seen(s{k})", f"not seen(s{k})", f"seen(s{k}) and courage >= 1"))
    v = rng.choice(INT_VARS)
    b = rng.choice(BOOL_VARS)
    return rng.choice((
        f"{v} >= {rng.randint(1, 3)}",
        f"{v} < {rng.randint(1, 4)}",
        f"{b}",
        f"not {b}",
        f"{b} and {v} > 0",
        f"{v} + {rng.choice(INT_VARS)} >= 2",
        f"doubt > trust or {b}",
    ))


def _effects(rng: random.Random, bounded: bool = False) -> list[str]:
    """Effects; a bounded story only `set`s integers to 0 or 1, so its state space stays small."""
    if bounded:
        if rng.random() < 0.5:
            return [f"set: {{{rng.choice(INT_VARS)}: {rng.randint(0, 1)}}}"]
        return [f"set: {{{rng.choice(BOOL_VARS)}: {rng.choice(('true', 'false'))}}}"]
    out = []
    r = rng.random()
    if r < 0.7:
        out.append(f"add: {{{rng.choice(INT_VARS)}: {rng.choice((1, 1, 2, -1))}}}")
    if r > 0.5 or not out:
        if rng.random() < 0.6:
            out.append(f"set: {{{rng.choice(BOOL_VARS)}: {rng.choice(('true', 'false'))}}}")
        else:
            out.append(f"set: {{{rng.choice(INT_VARS)}: {rng.randint(0, 3)}}}")
    return out


def scene_text(i: int, n: int, rng: random.Random, modeline: str, bounded: bool = False) -> str:
    lines = [modeline, f"id: s{i}", f"title: {_q('Scene ' + str(i) + ': ' + rng.choice(WORDS[20:80]).capitalize())}", "text:"]
    paragraphs = rng.randint(3, 5)
    per = 150 // paragraphs
    last = i == n
    for p in range(paragraphs):
        body = _q(_paragraph(rng, per))
        if (last and p >= paragraphs - 2) or (p > 0 and rng.random() < 0.3):
            lines.append(f"  - if: {_q(_condition(rng, i, bounded))}")
            lines.append(f"    text: {body}")
        else:
            lines.append(f"  - {body}")
    if last:
        # The ending reads every variable, so none is unused whatever N is.
        for cond in ("courage >= 1 and doubt < 2", "trust > 0", "found_key or told_truth"):
            lines.append(f"  - if: {_q(cond)}")
            lines.append(f"    text: {_q(_paragraph(rng, 12))}")
        return "\n".join(lines) + "\n"
    lines.append("choices:")
    lines.append(f"  prompt: {_q(rng.choice(QUESTIONS))}")
    if rng.random() < 0.3:
        lines.append("  optional: true")
    lines.append("  options:")
    for o in range(rng.randint(2, 3)):
        lines.append(f"    - text: {_q(_sentence(rng))}")
        if o > 0 and rng.random() < 0.25:
            lines.append(f"      if: {_q(_condition(rng, i, bounded))}")
        for e in _effects(rng, bounded):
            lines.append(f"      {e}")
        if i + 1 < n and rng.random() < 0.2:
            lines.append(f"      goto: s{rng.randint(i + 1, min(n, i + 20))}")
    lines.append(f"next: s{i + 1}")
    return "\n".join(lines) + "\n"


def story_text(n: int, seed: int, modeline: str) -> str:
    lines = [modeline, f"id: bench-{n}", f"title: {_q(f'A benchmark story of {n} scenes (seed {seed})')}",
             "author: vignettes benchmarks", "start: s1", "variables:"]
    lines += [f"  {v}: 0" for v in INT_VARS] + [f"  {v}: false" for v in BOOL_VARS]
    return "\n".join(lines) + "\n"


def generate(n: int, out: Path, seed: int = 1, bounded: bool = False) -> Path:
    if n < 1:
        raise ValueError("a story needs at least one scene")
    out.mkdir(parents=True, exist_ok=True)
    schemas = os.path.relpath(SCHEMAS, out.resolve()).replace(os.sep, "/")
    scene_modeline = f"# yaml-language-server: $schema={schemas}/scene.schema.json"
    story_modeline = f"# yaml-language-server: $schema={schemas}/story.schema.json"
    rng = random.Random(seed)
    width = max(5, len(str(n)))
    with open(out / "story.yaml", "w", encoding="utf-8", newline="\n") as f:
        f.write(story_text(n, seed, story_modeline))
    for i in range(1, n + 1):
        with open(out / f"{i:0{width}d}-s{i}.yaml", "w", encoding="utf-8", newline="\n") as f:
            f.write(scene_text(i, n, rng, scene_modeline, bounded))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, required=True, help="number of scenes (>= 1)")
    ap.add_argument("--out", type=Path, required=True, help="folder to write (created; should be empty)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bounded", action="store_true",
                    help="integers only `set` to 0 or 1 and few seen() tests: a finite state space "
                         "(~50 states a scene) that `vignettes check` can walk whole")
    args = ap.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        ap.error(f"{args.out} is not empty")
    t = time.perf_counter()
    generate(args.scenes, args.out, args.seed, args.bounded)
    print(f"wrote {args.scenes} scenes to {args.out} in {time.perf_counter() - t:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
