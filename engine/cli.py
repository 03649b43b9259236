"""The `vignettes` command line: argparse subcommands over the engine.

`main(argv) -> int` never exits by itself, so tests call it directly.
Heavy front ends are imported inside the command that needs them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Optional, Sequence

from engine import __version__
from engine.errors import EngineError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EPILOG = """examples:
  vignettes                          play the bundled story
  vignettes validate scenes/         check a story folder
  vignettes check scenes/            play every path: dead ends, loops, what is never shown
  vignettes new story my-story       start a new story
  vignettes adapt story.txt -o my-story   turn a finished story into scene drafts
  vignettes test my-story/           run the story's test plans
  vignettes graph my-story/          draw the story map
"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() keeps control."""

    def error(self, message: str):  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}\nTry '{self.prog} --help'.")


class _UsageError(EngineError):
    pass


def use_colour(stream) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vignettes", description="Play, check and write stories told in short vignettes.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"vignettes {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_play, _add_validate, _add_check, _add_graph, _add_test, _add_new, _add_schema, _add_explain,
                _add_adapt, _add_export):
        add(sub)
    return parser


def _default_play(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`vignettes`, `vignettes --new`, `vignettes my-story/`: play is the default command.

    Only play's options and existing paths are taken for play, so a
    misspelt command is still reported as one.
    """
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if not argv:
        return ["play"]
    first = argv[0]
    if first in commands or first in ("-h", "--help", "--version"):
        return argv
    if first.startswith("-") or os.path.lexists(first):
        return ["play", *argv]
    return argv


# -- play --------------------------------------------------------------------


def _add_play(sub) -> None:
    p = sub.add_parser("play", help="play a story (the default command)",
                       description="Play a story in the terminal; with no STORY, the bundled one. Your place is "
                                   "saved after every step, and the next start offers to resume it.",
                       epilog="examples:\n"
                              "  vignettes                                   play the bundled story\n"
                              "  vignettes play my-story/                    play a story folder\n"
                              "  vignettes play --new                        start over, ignoring the saved game\n"
                              "  vignettes play --slot chapter-2             play in (and resume from) a named slot\n"
                              "  vignettes play --plain                      one line per answer (screen readers)\n"
                              "  vignettes play --choices 2,-,1 --transcript out.md\n"
                              "                                              answer from a list, write the reading\n"
                              "  vignettes play my-story/ --from the-cellar --set courage=2\n"
                              "                                              an author's run: start anywhere\n"
                              "  vignettes play my-story/ --watch            reload on every saved edit\n"
                              "  vignettes play --choices 1,- --record-plan my-story/tests/new.yaml\n"
                              "                                              turn a reading into a test plan\n\n"
                              "keys at a scene's prompt: 1-9 or arrows+Enter pick, Enter goes on where allowed,\n"
                              "u undo, s save, r recap, v variables, h help, q quit; Ctrl-C / Ctrl-D quit, keeping your place.\n"
                              "A scene longer than the terminal pages (Space or Enter for more, q leaves); the ending\n"
                              "waits for a key. --plain, pipes and --choices never page or wait.\n\n"
                              "exit codes: 0 done or quit, 1 the story does not validate, a --choices answer\n"
                              "names no option, or the story strands the reader (no open option, no next) or\n"
                              "goes round for ever with nothing to choose,\n"
                              "2 usage error, 130 interrupted (Ctrl-C), 129 hung up (SIGHUP), 143 terminated (SIGTERM)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("story", nargs="?", metavar="STORY", help="a story folder (default: the bundled story)")
    p.add_argument("--plain", action="store_true",
                   help="the line player: numbered options, one line per answer (automatic when not on a terminal)")
    p.add_argument("--choices", metavar="LIST",
                   help="answer the choice prompts from a comma-separated list: a number picks that option, "
                        "'-' goes on without choosing; starts a new game unless --resume")
    # Let `--choices -,1` through: argparse would take the leading '-' for an option.
    p._negative_number_matcher = re.compile(r"^-[-0-9, ]*$")
    p.add_argument("--transcript", metavar="FILE", help="write the reading to FILE as Markdown")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--new", action="store_true", help="start over instead of resuming")
    again.add_argument("--resume", action="store_true", help="resume the saved game without asking")
    p.add_argument("--slot", metavar="NAME", default="autosave",
                   help="the save slot to resume from and save into (default: autosave)")
    author = p.add_argument_group("an author's run (never saved; the reader's saved game is left as it was)")
    author.add_argument("--from", dest="from_scene", metavar="SCENE", help="start at this scene instead of the story's start")
    author.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="start with this value for a declared variable (repeatable), e.g. --set held_on=2")
    author.add_argument("--show-vars", action="store_true", help="show the variables after every scene (the v key "
                                                                 "shows them at any prompt)")
    author.add_argument("--watch", action="store_true",
                        help="reload the story when one of its files changes, keeping your place by replaying "
                             "your answers; an edit with errors shows them and keeps the last good version")
    author.add_argument("--record-plan", metavar="FILE",
                        help="when the reading ends, write it to FILE as a test plan (for the story's tests/ "
                             "folder) whose expectations are what was shown")
    p.set_defaults(run=_run_play)


def _run_play(args, out, err) -> int:
    from engine.frontend import launch

    outcome = launch.run(args, out, err, interactive=_is_terminal(sys.stdin) and _is_terminal(out))
    return {launch.PROBLEMS: EXIT_PROBLEMS, launch.USAGE: EXIT_USAGE,
            launch.INTERRUPTED: EXIT_INTERRUPTED, launch.TERMINATED: 128 + 15,
            launch.HUNG_UP: 128 + 1}.get(outcome, EXIT_OK)


def _is_terminal(stream) -> bool:
    """A closed or missing stream is no terminal; prompt-toolkit must not be started on it."""
    try:
        return stream is not None and not stream.closed and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


# -- validate ----------------------------------------------------------------


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check story folders and scene files",
                       description="Check scene files and story folders against the schemas and the semantic checks.",
                       epilog="examples:\n  vignettes validate scenes/\n  vignettes validate --format sarif story/ > results.sarif\n"
                              "  vignettes validate my-story/ --saves ~/.local/share/vignettes\n\n"
                              "exit codes: 0 clean, 1 problems found, 2 usage error or unreadable input",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH", help="story folders or scene files (default: the bundled story)")
    p.add_argument("--format", choices=("concise", "full", "json", "sarif"), default="concise",
                   help="output format (default: concise)")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--saves", metavar="DIR",
                   help="also replay every save of each story found in DIR (a save folder, or the whole data folder, "
                        "e.g. ~/.local/share/vignettes) and report each that the story no longer fits")
    add_changed(p)
    p.set_defaults(run=_run_validate)


def add_changed(p) -> None:
    """`--changed`, for every subcommand that pre-commit runs on story folders."""
    p.add_argument("--changed", action="store_true",
                   help="read PATHs as the files a commit changes (as pre-commit passes them), add the deletions "
                        "git has staged, and check each story folder holding any of them, whole; other files "
                        "are ignored")


def story_paths(args) -> list:
    """The stories a subcommand works on: PATHs as given, or with --changed the story folders they touch."""
    if getattr(args, "changed", False):
        from engine import hooks

        return hooks.story_folders(args.paths, hooks.deleted_files())
    from engine import validate

    return args.paths or [validate.bundled_story()]


def _run_validate(args, out, err) -> int:
    from engine import report, validate

    paths = story_paths(args)
    if not paths:
        err.write("no story folder changed\n")
        return EXIT_OK
    if args.saves is not None and not os.path.isdir(args.saves):
        err.write(f"vignettes validate: --saves {args.saves}: no such folder\n")
        return EXIT_USAGE
    result = validate.validate(paths, saves=args.saves)
    sources = validate.sources(result.diagnostics) if args.format == "full" else None
    text = report.render(result.diagnostics, args.format, colour=use_colour(out), sources=sources)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    if args.format in ("concise", "full"):
        err.write(report.summary(result.diagnostics, result.files) + "\n")
        for story_id, counts in result.saves:
            err.write(_saves_summary(story_id, counts, args.saves) + "\n")
    if not result.readable:
        return EXIT_USAGE
    failing = [d for d in result.diagnostics if d.is_error or args.strict]
    return EXIT_PROBLEMS if failing else EXIT_OK


# -- check -------------------------------------------------------------------


def _count(text: str) -> int:
    """A positive whole number for --max-states and friends (1_000_000 and 1,000,000 allowed)."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def _add_check(sub) -> None:
    p = sub.add_parser("check", help="explore every reachable state: dead ends, loops, what is never shown",
                       description="Play every path of a story before a reader does: every reachable state\n"
                                   "(scene, variables, scenes seen) is explored once. Reports scenes never\n"
                                   "reached, options never open, paragraphs never or always shown, dead ends\n"
                                   "and loops with no way out, each with a witness: the answers that lead\n"
                                   "there, as `vignettes play --choices` takes them.",
                       epilog="examples:\n"
                              "  vignettes check my-story/                   explore every state\n"
                              "  vignettes check my-story/ --to the-cellar   the fewest answers that get there\n"
                              "  vignettes check big-story/ --random 1000 --seed 7\n"
                              "                                              1000 random playthroughs, with coverage\n"
                              "  vignettes check my-story/ --stats             paths, words, and what each option echoes\n"
                              "  vignettes check --format json my-story/ > check.json\n\n"
                              "exit codes: 0 clean and complete, 1 errors found (warnings too with --strict;\n"
                              "with --to: no path gets there), 2 usage error, 3 no errors found but the\n"
                              "exploration was incomplete (the --max-states budget, or --random)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="STORY", help="a story folder (default: the bundled story)")
    p.add_argument("--to", metavar="SCENE", help="print the fewest answers that reach SCENE, or prove no path does")
    p.add_argument("--random", metavar="N", type=_count,
                   help="play N seeded random playthroughs instead of exploring every state")
    p.add_argument("--seed", metavar="S", type=_seed, default=1,
                   help="the seed of the first random play; play k uses S+k-1 (default: 1)")
    p.add_argument("--max-steps", metavar="N", type=_count, default=10_000,
                   help="stop a random play after N steps (default: 10,000)")
    p.add_argument("--max-states", metavar="N", type=_count, default=1_000_000,
                   help="stop after N distinct states and say the result is incomplete (default: 1,000,000)")
    p.add_argument("--stats", action="store_true",
                   help="also count the paths, the words on the shortest and longest path and per scene, and "
                        "show what each option echoes later (in JSON under \"stats\")")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--format", choices=("concise", "full", "json", "sarif"), default="concise",
                   help="output format (default: concise)")
    add_changed(p)
    p.set_defaults(run=_run_check)


def _run_check(args, out, err) -> int:
    import io
    import json

    from engine import check

    if args.to is not None and args.random is not None:
        raise _UsageError("vignettes check: --to needs the exhaustive search; drop --random")
    if not args.changed and len(args.paths) > 1:
        raise _UsageError("vignettes check: name one story folder (or use --changed with the files a commit changes)")
    stories = [str(p) for p in story_paths(args)] if args.changed else args.paths[:1] or [None]
    if not stories:
        err.write("no story folder changed\n")
        return EXIT_OK
    codes = []
    documents = []  # with --changed and JSON: one array holding each story's document
    gather = args.changed and args.format == "json"
    try:
        for story in stories:
            sink = io.StringIO() if gather else out
            codes.append(check.run(story, args, sink, err, colour=use_colour(out)))
            if gather:
                documents.append(json.loads(sink.getvalue()))
    except check.CheckUsage as e:
        raise _UsageError(f"vignettes check: {e.message}") from None
    if gather:
        out.write(json.dumps(documents, indent=2, ensure_ascii=True) + "\n")
    # the worst outcome decides: usage, then problems, then incomplete
    return next((c for c in (EXIT_USAGE, EXIT_PROBLEMS, check.INCOMPLETE) if c in codes), EXIT_OK)


# -- graph -------------------------------------------------------------------


def _add_graph(sub) -> None:
    p = sub.add_parser("graph", help="draw the story map (Mermaid or Graphviz DOT)",
                       description="Write the story as a map: one node per scene (id and title), one edge for each "
                                   "`next` and each option (labelled by its text, dashed when it has a condition), "
                                   "the start and the endings marked.",
                       epilog="examples:\n"
                              "  vignettes graph                              the bundled story, as Mermaid\n"
                              "  vignettes graph my-story/ --format dot | dot -Tsvg > map.svg\n"
                              "  vignettes graph my-story/ -o map.mmd          write to a file\n"
                              "  vignettes graph my-story/ --check            mark what `vignettes check` finds\n\n"
                              "exit codes: 0 written, 1 the story does not load, 2 usage error",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("story", nargs="?", metavar="STORY", help="a story folder (default: the bundled story)")
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid", help="output format (default: mermaid)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--check", action="store_true",
                   help="explore the story as `vignettes check` does and mark what it finds: scenes never reached "
                        "(shaded, dashed), options never open (red, dotted) and dead ends (red border)")
    p.set_defaults(run=_run_graph)


def _run_graph(args, out, err) -> int:
    from engine import graph

    story = _load_or_report(args.story, err)
    if story is None:
        return EXIT_PROBLEMS
    marks = None
    if args.check:
        from engine import check

        marks, summary = check.marks(story, args.story)
        err.write(summary + "\n")
    text = graph.dot(story, marks) if args.format == "dot" else graph.mermaid(story, marks)
    return _emit(text, args.output, out, err)


def _load_or_report(story_arg, err):
    """The story, or None after its errors are written to `err` as validate writes them."""
    from pathlib import Path

    from engine import report, validate

    try:
        return validate.load_story(Path(story_arg) if story_arg else None)
    except EngineError as e:
        for d in e.diagnostics:
            err.write(report.render([d], "concise", colour=use_colour(err)) + "\n")
        err.write(f"vignettes: {e.message}\n")
        return None


def _emit(text: str, path: Optional[str], out, err) -> int:
    if not path:
        out.write(text)
        return EXIT_OK
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        err.write(f"vignettes: cannot write {path}: {e.strerror or e}\n")
        return EXIT_USAGE
    return EXIT_OK


# -- test --------------------------------------------------------------------


def _add_test(sub) -> None:
    p = sub.add_parser("test", help="run a story's test plans",
                       description="Play each test plan (a YAML file in the story folder's tests/ subfolder) on "
                                   "its story and check what it expects: the scene, text shown or not, variables, "
                                   "the ending and its last words.",
                       epilog="examples:\n"
                              "  vignettes test                               the bundled story's plans\n"
                              "  vignettes test my-story/                     every plan in my-story/tests/\n"
                              "  vignettes test my-story/tests/ring.yaml      one plan\n"
                              "  vignettes test my-story/ --format json       for tools\n\n"
                              "exit codes: 0 every plan passed, 1 a plan failed, 2 a plan or story could not be "
                              "read, or usage error",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="STORY|PLAN",
                   help="story folders, plan files, or any file of a story (default: the bundled story)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_changed(p)
    p.set_defaults(run=_run_test)


def _run_test(args, out, err) -> int:
    from engine import plans, report, validate

    paths = story_paths(args)
    if not paths:
        err.write("no story folder changed\n")
        return EXIT_OK
    groups, problems = validate.plan_selection(paths)
    outcomes: list = []
    for folder, chosen in groups.items():
        story, loaded, broken = validate.story_plans(folder, chosen)
        problems += broken
        outcomes += plans.run_all(story, loaded) if story is not None else []
    if args.format == "json":
        out.write(plans.render_json(outcomes, problems))
    else:
        for d in problems:
            err.write(report.render([d], "concise", colour=use_colour(err)) + "\n")
        out.write(plans.render_text(outcomes, use_colour(out)))
    if problems or any(o.status == "error" for o in outcomes):
        return EXIT_USAGE
    return EXIT_PROBLEMS if any(o.status == "failed" for o in outcomes) else EXIT_OK


def _saves_summary(story_id: str, counts, folder: str) -> str:
    skipped = [f"{n} {what}" for n, what in ((counts.damaged, "damaged"), (counts.other_stories, "of other stories"))
               if n]
    fits = "all fit" if not counts.broken else f"{counts.broken} no longer fit{'s' if counts.broken == 1 else ''}"
    return (f"saves of '{story_id}' in {folder}: {counts.checked} replayed, {fits}"
            + (f"; skipped {', '.join(skipped)}" if skipped else ""))


# -- new and schema --------------------------------------------------------------


def _add_new(sub) -> None:
    p = sub.add_parser("new", help="start a new story or scene from a template",
                       description="Write files that validate at once and carry the schema modeline for editors.",
                       epilog="examples:\n  vignettes new story my-story\n  vignettes new scene the-cellar --dir my-story",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser, required=True)
    story = what.add_parser("story", help="a new story folder", description="Create DIR with story.yaml, two scenes and the schemas.")
    story.add_argument("dir", metavar="DIR", help="the folder to create (must be new or empty)")
    scene = what.add_parser("scene", help="a new scene file", description="Add a scene file, numbered after the last one.")
    scene.add_argument("id", metavar="ID", help="the scene id: lowercase letters, digits and hyphens")
    scene.add_argument("--dir", default=".", help="the story folder (default: here)")
    p.set_defaults(run=_run_new)


def _run_new(args, out, err) -> int:
    from pathlib import Path

    from engine import scaffold

    if args.what == "story":
        for path in scaffold.new_story(Path(args.dir)):
            out.write(f"wrote {path}\n")
        out.write(f"next: vignettes validate {args.dir} && vignettes test {args.dir} && vignettes play {args.dir}\n")
    else:
        path = scaffold.new_scene(args.id, Path(args.dir))
        out.write(f"wrote {path}\nnext: point a `next:` or `goto:` of another scene at '{args.id}'\n")
    return EXIT_OK


def _add_schema(sub) -> None:
    p = sub.add_parser("schema", help="print or write the JSON Schemas for editors",
                       description="Print one JSON Schema, or write all of them to a folder for an editor's YAML language server.",
                       epilog="examples:\n  vignettes schema scene > scene.schema.json\n  vignettes schema --out schemas/",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", nargs="?", choices=("story", "scene", "save", "testplan"), default="scene",
                   help="which schema to print (default: scene)")
    p.add_argument("--out", metavar="DIR", help="write the story, scene, save and test plan schemas into DIR")
    p.set_defaults(run=_run_schema)


def _run_schema(args, out, err) -> int:
    from pathlib import Path

    from engine import scaffold

    if args.out:
        for path in scaffold.write_schemas(Path(args.out)):
            out.write(f"wrote {path}\n")
    else:
        out.write(scaffold.schema_text(args.kind))
    return EXIT_OK


# -- explain -------------------------------------------------------------------


def _add_explain(sub) -> None:
    p = sub.add_parser("explain", help="what a diagnostic code means, an example, the fix",
                       description="Explain a diagnostic code: what it means, a minimal example that triggers it, "
                                   "what `validate` then reports, and how to fix it. With no CODE, list every code.",
                       epilog="examples:\n  vignettes explain E102\n  vignettes explain unknown-target\n  vignettes explain\n\n"
                              "exit codes: 0 explained, 2 unknown code (the nearest one is suggested)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("code", nargs="?", metavar="CODE", help="a code such as E102, or its name such as unknown-target")
    p.set_defaults(run=_run_explain)


def _run_explain(args, out, err) -> int:
    from engine import explain

    if not args.code:
        out.write(explain.listing())
        return EXIT_OK
    try:
        code = explain.find(args.code)
    except explain.UnknownCode as e:
        near = f"; did you mean {e.nearest}?" if e.nearest else ""
        err.write(f"vignettes explain: unknown code {e.query!r}{near}\n"
                  "Run 'vignettes explain' with no code to list them all.\n")
        return EXIT_USAGE
    out.write(explain.render(code))
    return EXIT_OK


# -- adapt -------------------------------------------------------------------------


def _add_adapt(sub) -> None:
    p = sub.add_parser("adapt", help="turn a finished story (text, Markdown, HTML, Twine) into scene drafts",
                       description="Read a story written as plain text, Markdown, an archive's HTML download or a\n"
                                   "work's page saved from the browser (.html or .mhtml), and write a story folder\n"
                                   "with one scene per vignette, chained in order, that validates at once. A Twine\n"
                                   "story (published HTML, a Twine archive, or Twee) becomes a scene per passage,\n"
                                   "its links options. Title, author, summary and content warnings go to\n"
                                   "story.yaml; a report lists the scenes found and anything left out.",
                       epilog="examples:\n"
                              "  vignettes adapt story.txt -o my-story          plain text; scenes between * * * lines\n"
                              "  vignettes adapt story.md -o my-story           Markdown; a scene per ## heading\n"
                              "  vignettes adapt work.html -o my-story          an archive download; chapter text only\n"
                              "  vignettes adapt game.html -o my-story          a Twine story: a scene per passage\n"
                              "  vignettes adapt library.html --story NAME -o my-story   one story of a Twine archive\n"
                              "  vignettes adapt story.txt -o my-story --dry-run   show the split, write nothing\n\n"
                              "Problems are reported as path:line:col: error[E4xx] message, with a hint;\n"
                              "'vignettes explain E4xx' says more. --format json writes the report and the\n"
                              "problems as one document on stdout; --format sarif the problems to stdout and the\n"
                              "report to stderr.\n\n"
                              "exit codes: 0 written (warnings may be shown), 1 the source cannot be adapted or\n"
                              "the folder cannot be written (or, with --strict, a warning), 2 usage error",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="TEXT", help="the story file (.txt, .md, .html, .mhtml, .twee; the form is also told by content)")
    p.add_argument("-o", "--out", metavar="DIR", required=True, help="the story folder to write (new or empty)")
    p.add_argument("--from", dest="form", choices=("text", "markdown", "html", "twee"),
                   help="read the file as this form, whatever its name and content suggest")
    p.add_argument("--story", dest="twine_story", metavar="NAME", default="", help="in a Twine archive of several stories, the one to adapt")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty, replacing the drafts an earlier adapt wrote")
    p.add_argument("--dry-run", action="store_true", help="print the report without writing anything")
    p.add_argument("--strict", action="store_true", help="warnings fail too: nothing is written, exit 1")
    p.add_argument("--format", choices=("concise", "full", "json", "sarif"), default="concise",
                   help="how problems are shown (default: concise)")
    p.set_defaults(run=_run_adapt)


def _run_adapt(args, out, err) -> int:
    from pathlib import Path

    from engine import adapt

    source, folder = Path(args.source), Path(args.out)
    try:
        result, _ = adapt.adapt(source, folder, args.form, force=args.force, dry_run=args.dry_run,
                                story=args.twine_story, strict=args.strict)
    except adapt.AdaptError as e:
        _adapt_problems(e.diagnostics, {"source": str(source), "written": False}, source, args.format, out, err)
        return EXIT_PROBLEMS
    summary = adapt.report(result, source, folder, args.dry_run)
    if args.format == "sarif":
        err.write(summary)
    elif args.format != "json":
        out.write(summary)
    _adapt_problems(result.draft.warnings, adapt.report_data(result, source, folder, args.dry_run), source,
                    args.format, out, err)
    return EXIT_OK


def _adapt_problems(diagnostics, data: dict, source, fmt: str, out, err) -> None:
    """adapt's problems as validate shows its own: concise or full on stderr; in json, beside the
    report's data on stdout (as check does); sarif on stdout."""
    import json

    from engine import report

    if fmt == "json":
        out.write(json.dumps({**data, "diagnostics": json.loads(report.render(diagnostics, "json"))},
                             indent=2, ensure_ascii=True) + "\n")
    elif fmt == "sarif":
        out.write(report.render(diagnostics, fmt))
    elif diagnostics:
        sources = {}
        if fmt == "full" and source.is_file() and source.stat().st_size <= 10 * 1024 * 1024:
            sources[str(source)] = source.read_bytes().decode("utf-8", "replace")
        err.write(report.render(diagnostics, fmt, colour=use_colour(err), sources=sources) + "\n")


# -- export --------------------------------------------------------------------


def _add_export(sub) -> None:
    p = sub.add_parser("export", help="write the story as one HTML page that plays in a browser",
                       description="Write one self-contained HTML page that plays the story in a browser, as the "
                                   "terminal plays it. The page loads nothing else: host it anywhere or open it "
                                   "from disk. The story is validated first.",
                       epilog="examples:\n"
                              "  vignettes export                        the bundled story, to <story id>.html here\n"
                              "  vignettes export my-story/ -o site/index.html\n"
                              "  vignettes export my-story/ -o - > page.html\n\n"
                              "exit codes: 0 written, 1 the story does not validate, 2 usage error or the file "
                              "cannot be written (an existing file needs --force)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("story", nargs="?", metavar="STORY", help="a story folder (default: the bundled story)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write the page (default: <story id>.html in this folder; - for standard output)")
    p.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    p.set_defaults(run=_run_export)


def _run_export(args, out, err) -> int:
    from pathlib import Path

    from engine import export
    from engine.frontend.launch import load

    story = load(args.story, err)
    if story is None:
        return EXIT_PROBLEMS
    text = export.page(story)
    if args.output == "-":
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            out.write(text)
        return EXIT_OK
    try:
        target = export.write(text, Path(args.output or f"{story.id}.html"), force=args.force)
    except export.ExportError as e:
        err.write(f"vignettes export: {e.message}\n")
        return EXIT_USAGE
    out.write(f"wrote {target} ({len(text.encode('utf-8')) // 1024 + 1} KB); open it in a browser, or put it on any web host\n")
    return EXIT_OK


# -- entry point ---------------------------------------------------------------

_READS_STORIES = ("play", "validate", "check", "graph", "test", "export", "adapt")


def _require_paths(args) -> None:
    """A story path that does not exist is a typo on the command line: a usage error, said in one line.

    With --changed the paths are what a commit touched, deleted files included; those are the hook's to sort out.
    """
    if args.command not in _READS_STORIES or getattr(args, "changed", False):
        return
    named = getattr(args, "paths", None) or [getattr(args, "story", None) or getattr(args, "source", None)]
    for path in named:
        if path is not None and not os.path.lexists(path):
            raise _UsageError(f"vignettes {args.command}: no such file or folder: {path}")



def main(argv: Optional[Sequence[str]] = None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(_default_play(parser, argv))
        if not getattr(args, "run", None):
            parser.print_help(out)
            return EXIT_USAGE
        _require_paths(args)
        return args.run(args, out, err)
    except _UsageError as e:
        err.write(f"{e.message}\n")
        return EXIT_USAGE
    except EngineError as e:
        from engine import report

        for d in e.diagnostics:
            err.write(report.render([d], "concise", colour=use_colour(err)) + "\n")
        err.write(f"vignettes: {e.message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("\nInterrupted.\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
