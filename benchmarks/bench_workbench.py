#!/usr/bin/env python3
"""The author's workbench on a large story: graph, test plans, and how soon --watch shows an edit.

    python benchmarks/bench_workbench.py [--scenes 1000] [--repeat 3]

For a synthetic story of N scenes (gen_story.py) it times, best of --repeat:

- graph: `graph.mermaid` and `graph.dot` of the loaded story;
- plans: one plan per 10 scenes, each answering every prompt and checking
  its last scene, loaded, checked and run (`vignettes test`'s work);
- reload: the time from writing an edited scene to the edited text being
  in the reloaded story, through the same Watcher and loader `--watch`
  uses (polling every 0.5 s, so up to half a second of it is waiting).

Bar: reload under 2 s at 1,000 scenes ("within seconds"); exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_story import generate  # noqa: E402

from engine import graph, plans, runtime, validate  # noqa: E402
from engine.frontend.watch import Watcher  # noqa: E402

RELOAD_BAR = 2.0


def best(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def write_plans(folder: Path, story, count: int) -> None:
    (folder / "tests").mkdir(exist_ok=True)
    for k in range(count):
        state = runtime.start(story)
        tokens = []
        while True:
            view = runtime.view(story, state)
            if view.is_ending:
                break
            if view.options:
                n = (k + len(tokens)) % len(view.options)
                tokens.append(str(n + 1))
                state = runtime.choose(story, state, view.options[n][0])
            else:
                state = runtime.go_on(story, state)
        (folder / "tests" / f"p{k}.yaml").write_text(
            f"name: plan {k}\nanswers: \"{','.join(tokens)}\"\nexpect:\n  - ending: {state.scene}\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(args.scenes, Path(tmp) / "story")
        story = validate.load_story(folder)
        t_mermaid = best(args.repeat, lambda: graph.mermaid(story))
        t_dot = best(args.repeat, lambda: graph.dot(story))
        count = max(1, args.scenes // 10)
        write_plans(folder, story, count)

        def run_plans():
            loaded_story, loaded, problems = validate.story_plans(folder)
            outcomes = plans.run_all(loaded_story, loaded)
            assert not problems and all(o.status == "passed" for o in outcomes), outcomes[:3]

        t_plans = best(args.repeat, run_plans)

        def reload():
            watcher = Watcher(folder)
            scene = sorted(folder.glob("*-s1.yaml"))[0]
            marker = f"edited {time.perf_counter_ns()}"
            start = time.perf_counter()
            scene.write_text(scene.read_text(encoding="utf-8").replace("text:\n", f"text:\n  - {marker}\n", 1),
                             encoding="utf-8")
            while not watcher.changed():
                time.sleep(0.01)
            edited = validate.load_story(folder)
            assert marker in edited.by_id["s1"].paragraphs[0].text
            return time.perf_counter() - start

        reloads = [reload() for _ in range(args.repeat)]
    print(f"story: {args.scenes} scenes; Python {sys.version.split()[0]}")
    print(f"graph mermaid   {t_mermaid * 1000:8.1f} ms")
    print(f"graph dot       {t_dot * 1000:8.1f} ms")
    print(f"plans ({count:4d})    {t_plans * 1000:8.1f} ms  ({t_plans / count * 1000:.2f} ms a plan)")
    print(f"watch reload    {min(reloads) * 1000:8.1f} ms best, {max(reloads) * 1000:.1f} ms worst "
          f"(bar {RELOAD_BAR:.0f} s)")
    return 0 if max(reloads) <= RELOAD_BAR else 1


if __name__ == "__main__":
    sys.exit(main())
