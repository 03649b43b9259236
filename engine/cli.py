"""The `vignettes` command line: argparse subcommands over the engine.

`main(argv) -> int` never exits by itself, so tests call it directly.
Heavy front ends are imported inside the command that needs them.
"""

from __future__ import annotations

import argparse
import os
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
  vignettes new story my-story       start a new story
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
    for add in (_add_validate,):
        add(sub)
    return parser


# -- validate ----------------------------------------------------------------


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check story folders and scene files",
                       description="Check scene files and story folders against the schemas and the semantic checks.",
                       epilog="examples:\n  vignettes validate scenes/\n  vignettes validate --format sarif story/ > results.sarif\n\n"
                              "exit codes: 0 clean, 1 problems found, 2 usage error or unreadable input",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH", help="story folders or scene files (default: the bundled story)")
    p.add_argument("--format", choices=("concise", "full", "json", "sarif"), default="concise",
                   help="output format (default: concise)")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.set_defaults(run=_run_validate)


def _run_validate(args, out, err) -> int:
    from engine import report, validate

    result = validate.validate(args.paths or [validate.bundled_story()])
    text = report.render(result.diagnostics, args.format, colour=use_colour(out), sources=result.sources)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    if args.format in ("concise", "full"):
        err.write(report.summary(result.diagnostics, result.files) + "\n")
    if not result.readable:
        return EXIT_USAGE
    failing = [d for d in result.diagnostics if d.is_error or args.strict]
    return EXIT_PROBLEMS if failing else EXIT_OK


# -- entry point ---------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv or ["play"])
        if not getattr(args, "run", None):
            parser.print_help(out)
            return EXIT_USAGE
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
