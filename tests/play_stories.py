"""Stories built as model objects, for the runtime and front-end tests.

They mirror tests/fixtures/play-story/ so the tests need no loader.
"""

from __future__ import annotations

from engine.model import Choice, Condition, Effect, Option, Paragraph, Pos, Scene, Story, Target, Variable

P = Pos("test.yaml", 1, 1)


def _cond(source):
    return Condition(source, P) if source else None


def build(spec: dict) -> Story:
    """Build a Story from a dict shaped like story.yaml with its scenes inline."""
    scenes = []
    for s in spec["scenes"]:
        paragraphs = tuple(
            Paragraph(p, P) if isinstance(p, str) else Paragraph(p["text"], P, _cond(p.get("if")))
            for p in s["text"]
        )
        choice = None
        if "choices" in s:
            c = s["choices"]
            options = tuple(
                Option(o["text"], P, _cond(o.get("if")),
                       tuple(Effect(op, name, value, P) for op in ("add", "set") for name, value in o.get(op, {}).items()),
                       Target(o["goto"], P) if o.get("goto") else None)
                for o in c["options"]
            )
            choice = Choice(c.get("prompt", ""), bool(c.get("optional")), options, P)
        scenes.append(Scene(s["id"], s.get("title", s["id"]), paragraphs, P, choice,
                            Target(s["next"], P) if s.get("next") else None))
    return Story(spec["id"], spec.get("title", spec["id"]), Target(spec["start"], P), P, tuple(scenes),
                 tuple(Variable(k, v, P) for k, v in spec.get("variables", {}).items()),
                 tuple(spec.get("content_notes", ())), fingerprint=spec.get("fingerprint", "f" * 64))


SMALL = {
    "id": "small",
    "title": "A Small Story",
    "start": "hall",
    "content_notes": ["a closed door"],
    "variables": {"courage": 0, "has_key": False},
    "scenes": [
        {"id": "hall", "title": "The Hall", "text": ["You stand in a hall.",
                                                    {"if": "courage >= 1", "text": "You feel brave."}],
         "choices": {"prompt": "What do you remember?", "optional": True,
                     "options": [{"text": "A song.", "add": {"courage": 1}},
                                 {"text": "A key.", "set": {"has_key": True}}]},
         "next": "door"},
        {"id": "door", "title": "The Door", "text": ["A door.", {"if": "has_key", "text": "The key is warm."}],
         "choices": {"prompt": "Which way?",
                     "options": [{"text": "Open it.", "if": "has_key", "goto": "garden"},
                                 {"text": "Knock.", "goto": "corridor"},
                                 {"text": "Shout.", "if": "courage >= 1", "goto": "garden"}]}},
        {"id": "corridor", "title": "The Corridor", "text": ["A long corridor."], "next": "garden"},
        {"id": "garden", "title": "The Garden", "text": ["A garden. The end.",
                                                        {"if": "seen(corridor)", "text": "You took the long way."}]},
    ],
}
