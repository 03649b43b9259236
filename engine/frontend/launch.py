"""`vignettes play`: load the story, pick a player, run the session, report how it ended.

Kept out of cli so that the command line stays a thin table of commands,
and so that prompt-toolkit is imported only when a terminal is really there.
"""

from __future__ import annotations

import difflib
import os
import re
import signal
import sys
from pathlib import Path

from engine import resources, runtime
from engine.errors import EngineError
from engine.frontend.watch import Watcher
from engine.runtime import RuntimeMisuse
from engine.frontend.plain import ChoicesError, PlainUI, parse_script
from engine.frontend.session import (ENDED, EOF, HUNG_UP, INTERRUPTED, LOOPED, QUIT, STRANDED, TERMINATED, ScriptError,
                                     Session, Stopped)
from engine.saves import AUTOSAVE, SaveError, SaveFolder, check_slot

PROBLEMS, USAGE = "problems", "usage"

def _forgiving(stream, errors: str) -> None:
    """Bytes that are not valid text come back as U+FFFD instead of failing later."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure:
        try:
            reconfigure(errors=errors)
        except (ValueError, OSError):
            pass


def load(story_arg, err):
    """The story, or None after its problems are written to `err`."""
    from engine import report, validate

    try:
        return validate.load_story(Path(story_arg) if story_arg else None)
    except EngineError as e:
        for d in e.diagnostics:
            err.write(report.render([d], "concise", colour=False) + "\n")
        err.write(f"vignettes: {e.message}\n")
        return None


def run(args, out, err, interactive: bool, stdin=None) -> str:
    stdin = sys.stdin if stdin is None else stdin
    if out is None or getattr(out, "closed", False):
        err.write("vignettes play: standard output is closed, so there is nowhere to show the story; "
                  "nothing was played and nothing was saved.\n")
        return PROBLEMS
    try:
        slot = check_slot(args.slot)
        script = parse_script(args.choices) if args.choices is not None else None
    except (SaveError, ChoicesError) as e:
        err.write(f"vignettes play: {e.message}\n")
        return USAGE
    if args.watch and script is not None:
        err.write("vignettes play: --watch is for playing by hand; it cannot take --choices\n")
        return USAGE
    story = load(args.story, err)
    if story is None:
        return PROBLEMS
    try:
        first = _authors_start(story, args)
    except RuntimeMisuse as e:
        err.write(f"vignettes play: {e.message}\n")
        return USAGE
    if (first is not None or args.watch) and (args.resume or slot != AUTOSAVE):
        err.write("vignettes play: an author's run (--from, --set, --watch) is never saved, so it cannot "
                  "take --resume or --slot\n")
        return USAGE
    if first is not None and args.record_plan:
        err.write("vignettes play: a test plan starts at the story's start, so --record-plan cannot be used "
                  "with --from or --set\n")
        return USAGE
    command = "vignettes play" + (f" {args.story}" if args.story else "") + (f" --slot {slot}" if slot != AUTOSAVE else "")
    authors = first is not None or args.watch
    try:
        # An author's run (--from, --set, --watch) is never saved: the reader's autosave stays as it was.
        folder = None if authors else SaveFolder(story.id)
    except SaveError as e:
        err.write(f"vignettes: {e.message}; playing without saves\n")
        folder = None
    watcher = Watcher(_story_folder(args.story)) if args.watch else None
    poll = watcher.changed if watcher else None
    plain = args.plain or script is not None or not interactive or os.environ.get("TERM") == "dumb"
    if plain:
        _forgiving(stdin, "replace")
        _forgiving(out, "replace")
        ui = PlainUI(stdin, out, script, poll=poll)
    else:
        from engine.frontend.tui import TerminalUI

        ui = TerminalUI(colour=not os.environ.get("NO_COLOR"), poll=poll)
    reload = (lambda: _reload(args.story)) if watcher else None
    session = Session(story, ui, folder, slot, command, state=first, reload=reload, show_vars=args.show_vars)
    if watcher:
        ui.say(f"Watching {_story_folder(args.story)} for edits: a saved change reloads the story in place. "
               "Nothing is saved while watching.")
    resume = "no" if authors else "new" if args.new else "yes" if args.resume else "no" if script is not None else "ask"
    previous = _on_signals(ui)
    try:
        outcome = session.play(resume)
    except ScriptError as e:
        err.write(f"vignettes: {e.message}\n")
        outcome = PROBLEMS
    except BrokenPipeError:
        raise  # the reader closed the pipe (`| head`): cli ends quietly
    except Exception as e:  # the last resort: a reader never sees a traceback
        try:
            session.finish_saving()
        except Exception:  # the output that failed may fail again; the answer below must still be true
            pass
        kept = folder is not None and not session.save_failed and not session.blocked and session.state.answers
        err.write(f"vignettes: something went wrong ({type(e).__name__}: {e})"
                  + ("; your place is kept.\n" if kept else ".\n"))
        outcome = PROBLEMS
    finally:
        _restore_signals(previous)
        problem = _write_transcript(args.transcript, session, err)
        problem = _write_plan(args.record_plan, args.story, session, err) or problem
    kept = (folder is not None and not session.save_failed and not session.blocked and session.state.answers
            and not story.scene(session.state.scene).is_ending)  # a game at its end is not resumed
    if outcome in (QUIT, EOF, INTERRUPTED, TERMINATED, HUNG_UP):
        if script is not None and outcome == EOF:
            err.write(f"vignettes: the --choices answers ran out before the story's end "
                      f"(scene '{session.state.scene}')\n")
        if kept:
            farewell = f"Goodbye. Your place is kept; {command} resumes it."
        elif session.untouched():
            farewell = f"Goodbye. Your saved game is untouched; {command} resumes it."
        else:
            farewell = "Goodbye."
        try:
            ui.say(farewell)
        except OSError:  # the terminal hung up: nobody is there to read it
            pass
    if outcome == STRANDED:
        scene = story.scene(session.state.scene)
        err.write(f"vignettes: the story has no way on from scene '{scene.id}' ({scene.pos.file}:{scene.pos.line}): "
                  "none of its options is open now and it has no `next:`. This is a bug in the story, not an "
                  "ending; its author can give the scene a `next:` or an option without `if:` "
                  "(`vignettes validate` warns of it as W112).\n")
        ui.say("The story stops here without an ending." + (f" Your place is kept; {command} resumes it." if kept else ""))
        outcome = PROBLEMS
    if outcome == LOOPED:
        scene = story.scene(session.state.scene)
        err.write(f"vignettes: the story goes round for ever from scene '{scene.id}' ({scene.pos.file}:{scene.pos.line}): "
                  f"{' -> '.join(session.loop)}, with nothing to choose on the way. This is a bug in the story; its "
                  "author can give one of these scenes a way out (`vignettes check` reports it as E205).\n")
        ui.say("The story stops here: it only goes round." + (f" Your place is kept; {command} resumes it." if kept else ""))
        outcome = PROBLEMS
    if outcome == ENDED and script is not None and ui.leftover:
        err.write(f"vignettes: the story ended with {len(ui.leftover)} --choices answer(s) left over: "
                  f"{','.join(ui.leftover)}\n")
    return PROBLEMS if problem and outcome in (ENDED, QUIT, EOF) else outcome


def _on_signals(ui) -> dict:
    """SIGTERM and SIGHUP unwind the game like Ctrl-C, so the terminal is restored and the place kept.

    The full-screen player ends the game itself where that is safe (see
    TerminalUI.stop), Ctrl-C typed between two of its prompts included; the
    line player has the exception raised where it is.
    """
    outcomes = {signal.SIGTERM: TERMINATED, signal.SIGHUP: HUNG_UP, signal.SIGINT: INTERRUPTED}

    def stop(signum, frame):
        outcome = outcomes[signum]
        if not getattr(ui, "stop", lambda outcome: False)(outcome):
            raise Stopped(outcome)
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP) + ((signal.SIGINT,) if hasattr(ui, "stop") else ()):
        try:
            previous[signum] = signal.signal(signum, stop)
        except (ValueError, OSError):  # not the main thread: leave the defaults
            pass
    return previous


def _restore_signals(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _story_folder(story_arg) -> Path:
    from engine import validate

    folder = Path(story_arg) if story_arg else validate.bundled_story()
    return folder.parent if folder.is_file() else folder


def _authors_start(story, args):
    """The first State of an author's run (--from, --set), or None for a reader's game."""
    if not args.from_scene and not args.set:
        return None
    scene = args.from_scene
    if scene is not None and scene not in story.by_id:
        near = difflib.get_close_matches(scene, list(story.by_id), n=1)
        raise RuntimeMisuse(f"--from: no scene '{scene}' in story '{story.id}'"
                            + (f"; did you mean '{near[0]}'?" if near else f" (scenes: {', '.join(story.by_id)})"))
    values = dict(runtime.assignment(story, text) for text in args.set or ())
    return runtime.start(story, scene or story.start.scene, values)


def _reload(story_arg):
    """The story as it is on disk now: (story, []) or (None, its errors)."""
    from engine import validate

    try:
        return validate.load_story(_story_folder(story_arg)), []
    except EngineError as e:
        return None, list(e.diagnostics) or [e]


def _plan_name(target: Path) -> str:
    """`tests/03-the-ring.yaml` -> "The ring": a first name for the author to improve."""
    words = re.sub(r"^\d+[-_ ]*", "", target.stem).replace("-", " ").replace("_", " ").strip()
    return words.capitalize() or "A recorded reading"


def _write_plan(path, story_arg, session: Session, err) -> bool:
    """`--record-plan FILE`: the reading as a test plan; True when that failed."""
    if not path:
        return False
    from engine import plans

    target = Path(path)
    schema = resources.schema_path("testplan")
    folder = _story_folder(story_arg)
    for candidate in (folder / "schemas", folder.parent / "schemas"):
        if (candidate / "testplan.schema.json").is_file():
            schema = candidate / "testplan.schema.json"
            break
    try:
        ref = os.path.relpath(schema.resolve(), target.resolve().parent).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        ref = schema.resolve().as_uri()
    try:
        text = plans.record(session.story, session.state, _plan_name(target), ref)
        target.write_text(text, encoding="utf-8")
    except runtime.RuntimeMisuse as e:
        err.write(f"vignettes: no plan recorded: {e.message}\n")
        return True
    except OSError as e:
        err.write(f"vignettes: cannot write the plan {path}: {e.strerror or e}\n")
        return True
    err.write(f"vignettes: recorded the reading as a test plan in {path}; trim it, then `vignettes test`\n")
    return False


def _write_transcript(path, session: Session, err) -> bool:
    """Write the Markdown transcript; True when that failed."""
    if not path:
        return False
    try:
        Path(path).write_text(session.transcript_text(), encoding="utf-8")
    except OSError as e:
        err.write(f"vignettes: cannot write the transcript {path}: {e.strerror or e}\n")
        return True
    return False
