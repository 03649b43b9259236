"""`vignettes adapt`: a finished story (plain text, Markdown, archive HTML) -> scene drafts.

Each form is read into one list of blocks (paragraph, heading, scene break,
a line that may be a heading), so that finding the title, the preface and
the vignettes is one piece of logic for all three. The only module that
imports a Markdown or an HTML parser. It writes its YAML itself, quoting
every value so that it reads back as the same string (the tests prove it
against PyYAML), since only the loader imports yaml.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from engine import loader, scaffold
from engine.errors import ERROR, WARNING, Diagnostic, EngineError

MAX_SOURCE_BYTES = 10 * 1024 * 1024
MAX_SCENE_BYTES = 1024 * 1024  # the loader's limit for one file
MAX_PARAGRAPHS = 1000  # the scene schema's maxItems for `text`
MAX_PARAGRAPH = 20_000  # and its maxLength for one paragraph
_FORM_NAMES = {"text": "plain text", "markdown": "Markdown", "html": "HTML", "twee": "Twee (Twine's text form)",
               "twine": "a Twine story (HTML)", "page": "a work's page saved from the archive"}

# -- blocks -------------------------------------------------------------------

PARA, HEADING, BREAK, CANDIDATE, GAP = "para", "heading", "break", "candidate", "gap"
HEADED, LEADING, NONE = "headed", "leading", "none"  # what may come before the first vignette


@dataclass
class Block:
    """One unit of the source: a paragraph, a heading (with its level), a scene break."""

    kind: str
    text: str = ""
    level: int = 0
    note: bool = False  # written wholly in emphasis: how authors set off a note
    lines: tuple[str, ...] = ()  # the lines as written, where they say more than the joined text
    listed: bool = False  # an item of a list
    underlined: bool = False  # Markdown: a setext heading (`Title` over `===` or `---`), as titles are written
    span: tuple[int, int] = (-1, -1)  # Markdown: the source lines of the top-level block it came from
    first: int = -1  # Markdown: its own first source line (0-based), where the parser gives one
    at: tuple[int, int] = (0, 0)  # (line, col) in the source, 1-based; (0, 0) where unknown


@dataclass
class Vignette:
    title: str
    paragraphs: list[str]
    heading: bool = True  # False: the title is generated
    at: tuple[int, int] = (0, 0)  # where it starts in the source (its heading, else its first paragraph)
    places: list[tuple[int, int]] = field(default_factory=list)  # where each paragraph starts
    options: list[tuple[str, int]] = field(default_factory=list)  # a Twine passage's links: (text, vignette index)

    def cut(self, start: int, stop: Optional[int] = None) -> None:
        """Drop paragraphs [start:stop] with their places."""
        del self.paragraphs[start:stop]
        del self.places[start:stop]


@dataclass
class Draft:
    """What was found in the source, before any file is written."""

    form: str
    title: str = ""
    author: str = ""
    summary: str = ""
    language: str = ""
    url: str = ""
    content_notes: list[str] = field(default_factory=list)
    vignettes: list[Vignette] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)  # adapted all the same, but the author should look
    source: str = ""  # the file's name, for diagnostics
    story: str = ""  # --story: which story of a Twine archive
    branching: bool = False  # a Twine story: scenes link by options, not in a chain


class AdaptError(EngineError):
    """The source cannot be adapted, or the drafts cannot be written: coded diagnostics that say where and how."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        found = tuple(diagnostics)
        super().__init__(found[0].message, found)


def refuse(code: str, path, message: str, hint: str, at: tuple[int, int] = (0, 0)) -> AdaptError:
    return AdaptError([Diagnostic(str(path), at[0], at[1], code, message, ERROR, hint)])


def warn(draft: "Draft", code: str, path, message: str, hint: str, at: tuple[int, int] = (0, 0)) -> None:
    draft.warnings.append(Diagnostic(str(path), at[0], at[1], code, message, WARNING, hint))


# -- shared text rules ----------------------------------------------------------

_SEP_CHARS = r"*\-~#=_+•·◆◇♦◊★☆✦✧❖※§°⁂❦❧"
_SEPARATOR = re.compile(  # `* * *`, `---`, `~~~`, `#`, `⁂`; `— — —`; `o0o`, `xXx` and their kin; `-x-`, `~o~`
    rf"^(?:[{_SEP_CHARS}](?:\s*[{_SEP_CHARS}])*|(?:[—–]\s*){{3,}}|(?=[oO0\s]*0)(?=[oO0\s]*[oO])(?:[oO0]\s*){{3,}}|oOo|OoO|xXx|XxX"
    rf"|[{_SEP_CHARS}]+\s*(?:[oO0xX]\s*)+[{_SEP_CHARS}]+)$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_FINAL_PUNCT = tuple(".,;:!?…\"”’'»)]—–-")
_OPENING_QUOTE = tuple("\"“‘'«„‚(—–-[*_")
_NUMBERED = re.compile(r"^\(?(?:\d{1,3}|[IVXLCivxlc]{1,7})[.)]?$")


def is_separator(line: str) -> bool:
    return bool(_SEPARATOR.match(line.strip()))


def heading_like(line: str) -> bool:
    """Short, on its own, no final punctuation, not dialogue: a line that may be a heading."""
    line = line.strip()
    if not line or len(line) > 100 or len(line.split()) > 12 or is_separator(line):
        return False
    if _NUMBERED.match(line):
        return True
    return not line.endswith(_FINAL_PUNCT) and not line.startswith(_OPENING_QUOTE)


_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "with", "by",
                "from", "as", "into", "is", "it", "its", "vs", "de", "la", "le", "y", "et", "und", "der", "die"}


def _candidate(text: str, at: tuple[int, int] = (0, 0)) -> Block:
    """A line that may be a heading, with how sure we are: 2 when numbered or in title case
    (`Year Nine`, `IV.`), 1 when merely short, 0 for a longer line such as a sentence left unfinished."""
    words = re.findall(r"[^\W_][\w'’-]*", text)
    significant = [w for w in words if w.lower() not in _SMALL_WORDS] or words
    title_case = bool(significant) and all(not w[0].islower() for w in significant)
    level = 2 if _NUMBERED.match(text) or title_case else 1 if len(text.split()) <= 8 else 0
    return Block(CANDIDATE, text, level, at=at)


def _opens(block: Block) -> bool:
    """A block that opens a vignette as its heading, where it stands first."""
    return block.kind == HEADING or block.kind == CANDIDATE and block.level >= 1


def _tidy(text: str) -> str:
    """Trim every line of a paragraph and drop control characters; keep every other character."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n").strip()


# -- metadata in a preface --------------------------------------------------------

_LABELS = {
    "author": "author", "authors": "author", "author(s)": "author", "writer": "author", "written by": "author",
    "by": "author", "creator": "author", "creators": "author", "pseud": "author",
    "title": "title",
    "summary": "summary", "blurb": "summary", "description": "summary",
    "warning": "warnings", "warnings": "warnings", "content warning": "warnings", "content warnings": "warnings",
    "content note": "warnings", "content notes": "warnings", "cw": "warnings", "tw": "warnings", "cws": "warnings",
    "trigger warning": "warnings", "trigger warnings": "warnings", "archive warning": "warnings",
    "archive warnings": "warnings",
    "language": "language",
    "source": "url", "url": "url", "link": "url", "original": "url", "originally posted at": "url",
    "note": "note", "notes": "note", "author's note": "note", "author's notes": "note", "authors note": "note",
    "authors notes": "note", "a/n": "note", "an": "note", "disclaimer": "note", "dedication": "note",
    "beta": "note", "beta reader": "note", "beta readers": "note", "thanks": "note",
}
_OTHER_LABELS = {
    "rating", "fandom", "fandoms", "relationship", "relationships", "pairing", "pairings", "character",
    "characters", "additional tags", "tags", "freeform", "category", "categories", "words", "word count",
    "chapters", "published", "updated", "completed", "stats", "series", "collections", "status", "genre",
    "genres", "spoilers", "prompt", "date", "length", "universe", "timeline", "setting",
}
_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z0-9'’/() ]{0,30}?)(?:\s*[:：]|\s+[-–—])\s*(?P<value>.*)$", re.S)
_ANY_LABEL = re.compile(r"^\s*[A-Z][\w '’()/-]{0,30}:\s")  # `Beta: ...`, a label of a kind not known here
_BYLINE = re.compile(r"^(?:by|written by|story by|a story by)\s+(?P<name>\S.{0,150})$", re.I | re.S)
_NOTE_START = re.compile(r"^(?:a/n\b|author['’]?s['’]? notes?\b|notes?\s*[:：\-—]|disclaimer\b|dedicat)", re.I)
_NOTE_HEADING = re.compile(r"^(?:a/n|author['’]?s['’]? notes?|(?:end |chapter |story )?notes?|afterword|foreword|"
                           r"preface|acknowledge?ments?|disclaimers?|dedication|content (?:warnings?|notes?)|"
                           r"warnings?|summary|about this story)\W*$", re.I)
_THE_END = re.compile(r"^\W*(?:the end|end|fin|finis|finite|owari|ende)\W*$", re.I)
_URL = re.compile(r"https?://[^\s<>\"']+")
_NO_WARNINGS = {"no archive warnings apply", "none", "no warnings", "n/a", "no content warnings"}
_LANGUAGES = {
    "english": "en", "welsh": "cy", "cymraeg": "cy", "french": "fr", "français": "fr", "francais": "fr",
    "german": "de", "deutsch": "de", "spanish": "es", "español": "es", "espanol": "es", "italian": "it",
    "italiano": "it", "portuguese": "pt", "português": "pt", "português brasileiro": "pt-BR", "dutch": "nl",
    "nederlands": "nl", "russian": "ru", "русский": "ru", "polish": "pl", "polski": "pl", "swedish": "sv",
    "svenska": "sv", "norwegian": "no", "norsk": "no", "danish": "da", "dansk": "da", "finnish": "fi",
    "suomi": "fi", "japanese": "ja", "日本語": "ja", "chinese": "zh", "中文": "zh", "中文-普通话 國語": "zh",
    "korean": "ko", "한국어": "ko", "czech": "cs", "čeština": "cs", "turkish": "tr", "türkçe": "tr",
    "irish": "ga", "gaeilge": "ga", "scottish gaelic": "gd", "gàidhlig": "gd", "catalan": "ca", "català": "ca",
    "ukrainian": "uk", "українська": "uk", "hungarian": "hu", "magyar": "hu", "greek": "el", "ελληνικά": "el",
}


def _label(text: str) -> Optional[tuple[str, str, str]]:
    """`Summary: ...` -> ('summary', value, label as written); None if it is not a known label."""
    m = _BYLINE.match(text)
    if m and "\n" not in m["name"] and not m["name"].rstrip().endswith((".", "!", "?")):
        return "author", m["name"].strip(), "by"
    m = _LABEL.match(text)
    if not m:
        return None
    label = m["label"].strip().lower().replace("’", "'").replace("(s)", "s")
    value = " ".join(m["value"].split())
    if label in _LABELS:
        return _LABELS[label], value, m["label"].strip()
    if label in _OTHER_LABELS:
        return "other", value, m["label"].strip()
    return None


def _warnings(value: str) -> list[str]:
    items = [w.strip().rstrip(".").strip() for w in re.split(r"[,;]|\s+/\s+", value)]
    return [w[:200] for w in items if w and w.lower() not in _NO_WARNINGS]


def _language(value: str) -> str:
    value = value.strip()
    if re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*", value) and value.lower() not in _LANGUAGES:
        return value
    return _LANGUAGES.get(value.lower(), "")


class _Preface:
    """Reads labelled lines (`by ...`, `Summary: ...`) into a Draft; says which blocks it used."""

    def __init__(self, draft: Draft):
        self.draft = draft
        self.waiting: Optional[str] = None  # a label whose value is the next block
        self.others: list[str] = []

    def take(self, block: Block) -> bool:
        """True if the block is metadata or a note, now recorded."""
        if block.kind not in (PARA, CANDIDATE):
            return False
        if self.waiting == _ITEMS:
            if block.listed:
                self._set("warnings", _value(block), block.text)
                return True
            self.waiting = None
        elif self.waiting:
            kind, self.waiting = self.waiting, None
            self._set(kind, _value(block), block.text)
            if kind == "warnings" and block.listed:
                self.waiting = _ITEMS
            return True
        lines = [line for line in (block.lines or block.text.split("\n")) if line.strip()]
        if not lines or _label(lines[0]) is None:
            if _NOTE_START.match(block.text):
                self.draft.dropped.append(f"an author's note before the first vignette ({_quote(block.text)})")
                return True
            return False
        fields: list[list] = []  # one label a line, or a label whose text wraps onto the next lines
        for line in lines:
            found = _label(line) or (("other", "", line.split(":", 1)[0].strip()) if _ANY_LABEL.match(line) else None)
            if found:
                fields.append([found, line])
            else:
                kind, value, label = fields[-1][0]
                item = _BULLET.match(line)
                if item:  # `- grief` under `Content warnings:`
                    joined = f"{value}, {line[item.end():]}" if value else line[item.end():]
                else:  # a wrapped line
                    joined = f"{value} {line.strip()}"
                fields[-1] = [(kind, joined.strip(), label), fields[-1][1] + "\n" + line]
        for found, raw in fields:
            self._found(found, raw)
        return True

    def flush(self) -> None:
        """Report the labels read that story.yaml has no field for."""
        if self.others:
            self.draft.dropped.append("tags with no place in story.yaml: " + ", ".join(dict.fromkeys(self.others)))
            self.others.clear()

    def _found(self, found: tuple[str, str, str], raw: str) -> None:
        kind, value, label = found
        if not value and kind in ("summary", "warnings", "author", "note"):
            self.waiting = kind  # `Summary:` alone on its line: the next block is its text
            return
        self._set(kind, value, raw, label)

    def _set(self, kind: str, value: str, raw: str, label: str = "") -> None:
        d = self.draft
        if kind == "author" and not d.author:
            d.author = value
        elif kind == "title" and not d.title:
            d.title = value
        elif kind == "summary" and not d.summary:
            d.summary = value
        elif kind == "warnings":
            d.content_notes += [w for w in _warnings(value) if w not in d.content_notes]
        elif kind == "language":
            d.language = _language(value) or d.language
            if not d.language:
                self.others.append(label or "language")
        elif kind == "url":
            m = _URL.search(value)
            if m and not d.url:
                d.url = m.group().rstrip(".,;)")
        elif kind == "note":
            d.dropped.append(f"an author's note before the first vignette ({_quote(raw)})")
        else:
            self.others.append(label or kind)


_ITEMS = "warning items"  # waiting for more items of a list of warnings
_BULLET = re.compile(r"^\s*(?:[-*•◦▪+]|\d{1,2}[.)])\s+")


def _value(block: Block) -> str:
    """A block's text as one value: the items of a list joined with commas, wrapped lines with spaces."""
    lines = [line for line in block.lines if line.strip()]
    if block.listed and len(lines) == 1 and _BULLET.match(lines[0]):  # one item of a list
        return " ".join(lines[0][_BULLET.match(lines[0]).end():].split())
    if len(lines) > 1 and all(_BULLET.match(line) for line in lines):
        return ", ".join(line[_BULLET.match(line).end():].strip() for line in lines)
    return " ".join(block.text.split())


def _quote(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return f"“{text[: width - 1]}…”" if len(text) > width else f"“{text}”"


# -- from blocks to vignettes ---------------------------------------------------------


def _chunks(blocks: list[Block], starts: Callable[[Block], bool]) -> list[list[Block]]:
    """Cut the blocks before each block that starts a vignette (a break starts one and is dropped)."""
    out: list[list[Block]] = [[]]
    for b in blocks:
        if starts(b):
            out.append([] if b.kind == BREAK else [b])
        else:
            out[-1].append(b)
    return out


def _paragraphs(blocks: Iterable[Block]) -> list[str]:
    return [b.text for b in blocks if b.kind != BREAK and b.text]


def split(blocks: list[Block], draft: Draft, preface_mode: str) -> list[Vignette]:
    """Blocks after the title -> vignettes, reading the preface into the draft on the way.

    Headings, where there are any, start vignettes and make rules between
    them decoration; else scene breaks separate vignettes, and a line that
    may be a heading is one where it opens a vignette. preface_mode says
    what comes before the first vignette: HEADED, all that precedes the
    first heading is preface; LEADING, labelled lines and notes at the top
    are; NONE (chapter text), nothing is.
    """
    preface = _Preface(draft)
    notes = {id(b) for b in blocks if b.kind == HEADING and _NOTE_HEADING.match(b.text)}  # `## Author's Note`
    level = min((b.level for b in blocks if b.kind == HEADING and id(b) not in notes), default=0)

    def heads(b: Block) -> bool:  # a note's heading, at any level, ends the vignette before it
        return b.kind == HEADING and (b.level == level or id(b) in notes)

    by_breaks = _chunks(blocks, lambda b: b.kind == BREAK)
    bare = sum(1 for p in by_breaks[1:] if _paragraphs(p) and not heads(p[0]))
    if level and bare < 2:  # every vignette has its heading
        pieces = _chunks(blocks, heads)
        head, pieces = pieces[0], pieces[1:]
        rules = sum(1 for b in blocks if b.kind == BREAK)
        if rules:
            draft.dropped.append(f"{rules} scene-break rule{'s' * (rules > 1)} between headed vignettes (decoration)")
        if preface_mode == HEADED:
            _drop_preface(head, preface, draft)
            vignettes = []
        else:
            vignettes = [_vignette(head, None)] if _paragraphs(head) else []
        while pieces and _NOTE_HEADING.match(pieces[-1][0].text):  # `## Author's note` after the story
            draft.dropped.append(f"the section “{pieces.pop()[0].text}” after the last vignette")
        while pieces and _NOTE_HEADING.match(pieces[0][0].text):
            draft.dropped.append(f"the section “{pieces.pop(0)[0].text}” before the first vignette")
        for piece in pieces:
            vignettes.append(_vignette(piece[1:], piece[0]))
        return vignettes
    if level:  # some vignettes have headings, and rules part those that have none
        pieces = _chunks(blocks, lambda b: b.kind == BREAK or heads(b))
    elif any(b.kind == BREAK for b in blocks):
        pieces = by_breaks
    elif (rank := _heading_rank(blocks)):  # lines that stand alone as headings: the surest kind there is
        pieces = _chunks(blocks, lambda b: b.kind == CANDIDATE and b.level >= rank)
    else:
        pieces = [blocks]
    while len(pieces) > 1 and not _paragraphs(pieces[-1]):
        pieces.pop()
    last = pieces[-1]
    if preface_mode != NONE and len(pieces) > 2 and all(b.note or b.kind == BREAK for b in last):
        draft.dropped.append(f"a note after the last vignette ({_quote(_paragraphs(pieces.pop())[0])})")  # *Thanks!*
    if preface_mode != NONE:
        _trim_front(pieces, preface, draft)
    vignettes = []
    for piece in pieces:
        if not _paragraphs(piece):
            continue
        heading = None
        if _opens(piece[0]) and _paragraphs(piece[1:]):
            heading, piece = piece[0], piece[1:]
        vignettes.append(_vignette(piece, heading))
    return vignettes


def _heading_rank(blocks: list[Block]) -> int:
    """The level of the lines that divide a text with no separators: numbered or title-case lines
    where there are two or more, else any short lines that stand alone (`The first time`) with text
    between every two (lines in a row are verse or lyrics); 0 if none."""
    if sum(1 for b in blocks if b.kind == CANDIDATE and b.level == 2) >= 2:
        return 2
    at = [i for i, b in enumerate(blocks) if b.kind == CANDIDATE and b.level >= 1 and not _label(b.text)]
    return 1 if len(at) >= 2 and all(b - a > 1 for a, b in zip(at, at[1:])) else 0


def _trim_front(pieces: list[list[Block]], preface: _Preface, draft: Draft) -> None:
    """Take the metadata and notes off the front of the first piece (or pieces)."""
    while True:  # the preface may run over several pieces where blank lines alone part the vignettes
        while len(pieces) > 1 and not pieces[0]:
            pieces.pop(0)
        first = pieces[0]
        taken = 0
        while first and preface.take(first[0]):
            first.pop(0)
            taken += 1
        if not (taken and not first and len(pieces) > 1):
            break
    opened = [p for p in pieces[1:] if p]
    notes = 0  # italics straight after the metadata, where no other vignette opens in italics: a note
    while opened and notes < len(first) - 1 and first[notes].note and not any(p[0].note for p in opened):
        notes += 1
    if notes:
        _drop_preface(first[:notes], preface, draft)
        del first[:notes]
    if first and opened and (
            (all(_opens(p[0]) for p in opened) and not _opens(first[0]))  # the rest open with headings
            or all(b.note for b in first)  # set in italics, as notes are
            or all(b.kind == CANDIDATE for b in first)):  # a lone subtitle
        _drop_preface(first, preface, draft)
        pieces[0] = []
    preface.flush()


def _drop_preface(blocks: list[Block], preface: _Preface, draft: Draft) -> None:
    for b in blocks:
        if b.kind != BREAK and not preface.take(b):
            draft.dropped.append(f"a note before the first vignette, not a scene ({_quote(b.text)})")
    preface.flush()


def _vignette(blocks: list[Block], heading: Optional[Block]) -> Vignette:
    kept = [b for b in blocks if b.kind != BREAK and b.text]
    at = heading.at if heading is not None else kept[0].at if kept else (0, 0)
    return Vignette(heading.text if heading is not None else "", [b.text for b in kept], heading is not None, at,
                    [b.at for b in kept])


def _drop_end_notes(vignettes: list[Vignette], draft: Draft) -> None:
    """An author's note after the story ends (`A/N: ...` in its last paragraphs), and a closing
    `The End`, are not part of its last scene."""
    last = vignettes[-1] if vignettes else None
    if last is None:
        return
    cut = next((i for i in range(max(0, len(last.paragraphs) - 3), len(last.paragraphs))
                if _NOTE_START.match(last.paragraphs[i])), None)
    if cut is not None and not (cut == 0 and len(vignettes) == 1):
        draft.dropped.append(f"an author's note after the last vignette ({_quote(last.paragraphs[cut])})")
        last.cut(cut)
    if last.paragraphs and _THE_END.match(last.paragraphs[-1]) and (len(last.paragraphs) > 1 or len(vignettes) > 1):
        draft.dropped.append(f"“{last.paragraphs[-1]}” at the end (a closing mark, not text)")
        last.cut(-1)
    if not last.paragraphs:
        vignettes.pop()


# -- plain text -----------------------------------------------------------------------


def parse_text(text: str, draft: Draft) -> list[Vignette]:
    groups, gaps, starts = _groups([_CONTROL.sub("", line).rstrip() for line in text.split("\n")])
    if not groups:
        return []
    head = groups[0]
    if len(head) > 1 and _title_like(head[0]) and not _label(head[0]) and all(_label(line) for line in head[1:]):
        # `Title` with `by Author` (or other labels) under it
        groups[:1], gaps[:1], starts[:1] = [head[:1], head[1:]], [0, 0], [starts[0], starts[0] + 1]
    kinds = [_text_kind(g) for g in groups]
    explicit = BREAK in kinds
    per_line = _one_paragraph_a_line(groups, kinds, explicit)
    breaks = set() if explicit else _gap_breaks(gaps, kinds, per_line)
    prose = [g for g, k in zip(groups, kinds) if k == PARA and not _label(g[0])]
    indents = sum(g[0][:1].isspace() for g in prose) * 2 >= len(prose) and \
        any(not line[:1].isspace() for g in prose for line in g[1:])
    blocks: list[Block] = []
    for i, (group, kind, start) in enumerate(zip(groups, kinds, starts)):
        if i in breaks:
            blocks.append(Block(BREAK))
        at = (start, _indent(group[0]) + 1)
        if kind == CANDIDATE:
            blocks.append(_candidate(group[0].strip(), at))
        elif kind != PARA:
            blocks.append(Block(kind, group[0].strip(), at=at))
        elif _label(group[0]):
            blocks.append(Block(PARA, " ".join(line.strip() for line in group), lines=tuple(group), at=at))
        else:
            blocks += _prose_blocks(group, start, per_line, indents)
    # a lone first line is the title, unless it is the first vignette's heading
    lone = len(groups[0]) == 1 and not _label(groups[0][0])
    if lone and (blocks[0].kind == CANDIDATE or (blocks[0].kind == PARA and _title_like(groups[0][0]))):
        if not _heading_not_title(blocks):
            draft.title = blocks.pop(0).text
    return split(blocks, draft, LEADING)


def _prose_blocks(group: list[str], start: int, per_line: bool, indents: bool) -> list[Block]:
    """A run of lines as paragraphs: the items of a list in it (two or more in a row) are a paragraph
    each, marker kept, as the author set them out (a scene's paragraphs are its only line breaks);
    the lines around them are paragraphs as the text's others are."""
    def prose(lines: list[str], first: int) -> list[Block]:
        if not lines:
            return []
        if per_line:
            return [Block(PARA, p, at=(first + n, _indent(lines[n]) + 1)) for p, n in _lines_to_paragraphs(lines, indents)]
        return [Block(PARA, " ".join(line.strip() for line in lines), lines=tuple(lines),
                      at=(first, _indent(lines[0]) + 1))]

    blocks: list[Block] = []
    done = 0
    for begin, end, items, spoken in _lists(group):
        blocks += prose(group[done:begin], start + done)
        blocks += [Block(PARA, item, lines=(group[begin + n],), listed=not spoken,
                         at=(start + begin + n, _indent(group[begin + n]) + 1))
                   for n, item in zip(_item_lines(group[begin:end]), items)]
        done = end
    return blocks + prose(group[done:], start + done)


_LIST_ITEM = re.compile(r"^\s*(?:(?P<bullet>[-*+•‣◦▪])|(?P<number>\d{1,3}|[a-zA-Z])(?P<close>[.)]))\s+(?P<text>\S.*)$")
_SPOKEN = re.compile(r"[?!…][\"”’]?$|[\"“”]|[.!?,…]\s+[-–—]\s*\w")  # `- Where to? - she asked.`


def _item_lines(lines: list[str]) -> list[int]:
    return [n for n, line in enumerate(lines) if _LIST_ITEM.match(line)]


def _kind(m: re.Match) -> str:
    """What makes items one list: the same bullet, or numbers (letters) closed the same way."""
    if m["bullet"]:
        return "-" if m["bullet"] == "-" else "•"
    return "n" if m["number"].isdigit() else "a"


def _lists(lines: list[str]) -> Iterator[tuple[int, int, list[str], bool]]:
    """The lists in a run of lines: (first line, line after the last, the items as written, and
    whether they are spoken). Markers are kept (`*` and `+` shown as the bullet they stand for) and
    wrapped items joined. A list is two or more items of one kind in a row; lines opening with
    `- ` that mostly read as dialogue (`- Home? - he asked.`) are spoken lines, a paragraph each."""
    i = 0
    while i < len(lines):
        m = _LIST_ITEM.match(lines[i])
        if not m or (_kind(m)[0] == "a" and m["number"] not in "aAiI"):  # `a.` opens a lettered list, `I.` a sentence
            i += 1
            continue
        kind, indent = _kind(m), _indent(lines[i])
        items: list[list[str]] = []  # [marker, text]
        j = i
        while j < len(lines):
            n = _LIST_ITEM.match(lines[j])
            if n and (_kind(n) == kind or _indent(lines[j]) > indent):
                marker = "•" if n["bullet"] in ("*", "+") else n["bullet"] or n["number"] + n["close"]
                items.append([marker, n["text"].strip()])
            elif items and _indent(lines[j]) > indent:  # a wrapped item
                items[-1][1] += " " + lines[j].strip()
            else:
                break
            j += 1
        if len(items) >= 2 or j - i == len(lines) == 1:  # a list, or an item standing alone (a loose list's)
            spoken = kind in ("-", "+") and sum(bool(_SPOKEN.search(text)) for _, text in items) * 2 > len(items)
            yield i, j, [f"{marker} {text}" for marker, text in items], spoken
            i = j
        else:
            i += 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _groups(lines: list[str]) -> tuple[list[list[str]], list[int], list[int]]:
    """Runs of non-blank lines (a separator line is a run of its own), how many blank lines precede
    each, and the line (1-based) each starts on."""
    groups: list[list[str]] = []
    gaps: list[int] = []
    starts: list[int] = []
    current: list[str] = []
    blank = gap = begun = 0

    def add(group: list[str], gap_before: int, start: int) -> None:
        groups.append(group)
        gaps.append(gap_before)
        starts.append(start)

    for number, line in enumerate(lines + [""], 1):
        if not line.strip():
            if current:
                add(current, gap, begun)
                current, blank = [], 0
            blank += 1
        elif is_separator(line):
            if len(current) == 1 and heading_like(current[0]) and re.fullmatch(r"\s*(?:=+|-+)\s*", line):
                # a heading underlined with === or --- (the title when it comes first)
                if groups:
                    add(["* * *"], gap, begun)
                add(current, 0, begun)
            else:
                if current:
                    add(current, gap, begun)
                add([line], 0, number)
            current, blank = [], 0
        else:
            if not current:
                gap, blank, begun = blank, 0, number
            current.append(line)
    return groups, gaps, starts


def _gap_breaks(gaps: list[int], kinds: list[str], per_line: bool) -> set[int]:
    """With no separator lines, a wider gap than the one between paragraphs separates vignettes
    (any blank line, where each line is a paragraph)."""
    between = [gap for gap in gaps[1:] if gap >= 0]  # a negative gap: two blocks of one (a block quote's)
    if not between:
        return set()
    if per_line:
        least = 1
    else:
        counts = {g: between.count(g) for g in set(between)}
        usual = max(sorted(counts), key=lambda g: counts[g])
        least = usual + 1
    wide = [i == 0 or gap >= least for i, gap in enumerate(gaps)]
    # a heading set apart above and below opens the text under it; a short last line does not
    return {i for i in range(1, len(gaps)) if wide[i] and not (kinds[i - 1] == CANDIDATE and wide[i - 1])}


_SENTENCE_END = tuple(".!?…\"”’)—")


def _one_paragraph_a_line(groups: list[list[str]], kinds: list[str], explicit: bool) -> bool:
    """True when each line is a paragraph: the lines end sentences (they are not wrapped), and no
    vignette has a blank line inside it (with separator lines) or most blocks are several lines long."""
    prose = [g for g, k in zip(groups, kinds) if k == PARA and not _label(g[0]) and not _NOTE_START.match(g[0].strip())]
    listed = {(id(g), n) for g in prose for begin, end, _, _ in _lists(g) for n in range(begin - 1, end)}
    inner = [line for g in prose for n, line in enumerate(g[:-1]) if (id(g), n) not in listed]  # lists end no sentences
    if not inner or sum(line.endswith(_SENTENCE_END) for line in inner) * 2 < len(inner):
        return False
    if not explicit:
        return sum(len(g) > 1 for g in prose) * 2 >= len(prose)
    run = 0
    for i, (group, kind) in enumerate(zip(groups, kinds)):
        if kind == PARA:
            if _label(group[0]) or _NOTE_START.match(group[0].strip()) or (i == 0 and len(group) == 1):
                continue
            run += 1
            if run > 1:
                return False
        elif kind == BREAK:
            run = 0
    return True


def _text_kind(group: list[str]) -> str:
    if len(group) == 1 and is_separator(group[0]):
        return BREAK
    if len(group) == 1 and heading_like(group[0]):
        return CANDIDATE
    return PARA


def _title_like(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 200 and (not line.endswith((".", ",", ";", ":")) or line.endswith(("...", "…")))


def _heading_not_title(blocks: list[Block]) -> bool:
    """The first line opens the first vignette when the others open with a heading and the next block is prose."""
    if len(blocks) < 2 or blocks[0].kind != CANDIDATE:
        return False
    after = [blocks[i + 1] for i, b in enumerate(blocks[:-1]) if b.kind == BREAK]
    return bool(after) and all(_opens(b) for b in after) and blocks[1].kind == PARA and not _label(blocks[1].text)


def _lines_to_paragraphs(group: list[str], indents: bool) -> list[tuple[str, int]]:
    """Lines with no blank line between them: one paragraph a line, or, where the text indents
    the first line of its paragraphs, one from each indented line to the next; each with the
    index of its first line."""
    if not indents:
        return [(line.strip(), n) for n, line in enumerate(group)]
    out: list[list] = []
    for n, line in enumerate(group):
        if line[:1].isspace() or not out:
            out.append([line.strip(), n])
        else:
            out[-1][0] += " " + line.strip()
    return [(text, n) for text, n in out]


# -- Markdown -----------------------------------------------------------------------------


def parse_markdown(text: str, draft: Draft) -> list[Vignette]:
    body = _front_matter(text, draft)
    lines = text.split("\n")
    skipped = len(lines) - len(body.split("\n"))  # the front matter's lines
    blocks = list(_md_blocks(body))
    for b in blocks:  # token maps are 0-based lines of the body
        if b.first >= 0 and skipped + b.first < len(lines):
            b.at = (skipped + b.first + 1, _indent(lines[skipped + b.first]) + 1)
    if blocks and blocks[0].kind == HEADING and _top_heading_is_title(blocks, bool(draft.title)):
        title = blocks.pop(0)
        if draft.title and title.text != draft.title:
            draft.dropped.append(f"the heading “{_cut(title.text, 60)}” on top (the front matter's title is the title)")
        draft.title = draft.title or title.text
    return split(_md_gap_breaks(blocks), draft, HEADED)


def _md_gap_breaks(blocks: list[Block]) -> list[Block]:
    """Markdown whose vignettes, not all headed, are parted by wider blank gaps rather than rules (as
    in the plain text it was made from): those gaps part vignettes, as they do in plain text."""
    gaps = [0] + [b.span[0] - a.span[1] if b.span != a.span else -1 for a, b in zip(blocks, blocks[1:])]
    return _break_wide_gaps(blocks, gaps)


def _break_wide_gaps(blocks: list[Block], gaps: list[int]) -> list[Block]:
    """Blocks with a break before each gap wider than usual that parts unheaded text, where there
    are two or more such gaps: a stray wide gap or two is only untidiness."""
    kinds = [CANDIDATE if b.kind == HEADING else b.kind for b in blocks]
    breaks = {i for i in _gap_breaks(gaps, kinds, False)
              if BREAK not in (blocks[i].kind, blocks[i - 1].kind) and blocks[i].kind != HEADING}
    if len(breaks) < 2:
        return blocks
    out: list[Block] = []
    for i, b in enumerate(blocks):
        if i in breaks:
            out.append(Block(BREAK))
        out.append(b)
    return out


def _top_heading_is_title(blocks: list[Block], titled: bool) -> bool:
    """The heading on top (`#`, or a setext title underlined with `---`) is the title, unless every
    vignette has a heading of its level and this is the first. Where every heading is a `##` (or
    every one a `###`), they are the vignettes' headings: the top one is the title only where the
    file has no title yet and it heads nothing but a byline and notes, or unheaded vignettes parted
    by rules."""
    headings = [b for b in blocks if b.kind == HEADING]
    top = blocks[0].level
    if any(b.level < top for b in headings):
        return False
    one_level = top > 1 and all(b.level == top for b in headings)
    if one_level and titled:
        return False
    if one_level and not any(b.underlined for b in headings):
        byline = len(blocks) > 1 and blocks[1].kind == PARA and (_label(blocks[1].text) or ("",))[0] == "author"
        return bool(byline) or _byline_or_rules(blocks)
    if sum(1 for b in headings if b.level == top) == 1 or top == 1 and any(b.level > 1 for b in headings):
        return True
    return _byline_or_rules(blocks)


def _byline_or_rules(blocks: list[Block]) -> bool:
    """The top heading has only a byline and notes under it, or rules part unheaded vignettes after it."""
    second = next((i for i, b in enumerate(blocks[1:], 1) if b.kind == HEADING), len(blocks))
    if all(_label(b.text) or b.note for b in blocks[1:second] if b.kind == PARA):
        return True  # only a byline and notes under it
    parted = _chunks(blocks, lambda b: b.kind == BREAK)[1:]
    return sum(1 for p in parted if _paragraphs(p) and p[0].kind != HEADING) >= 2  # rules part unheaded vignettes


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>(?:[^\s#\n][^\n]*?:(?:[ \t][^\n]*)?|- [^\n]*|-|[\[{][^\n]*)\n"
                          r"(?:.*?\n)?)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _front_matter(text: str, draft: Draft) -> str:
    """A `---` block at the very top whose first line is YAML (`key:`, `- item`, `[`), as static-site
    tools and pandoc write it, is metadata: read by the loader's safe YAML, never guessed at, and
    refused with its place when it is not YAML, not `key: value` lines, or holds a title or author
    that is not text. The fields story.yaml has no place for are reported as left out."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return text

    def bad(message: str, hint: str, line: int, col: int) -> AdaptError:
        return refuse("E440", draft.source, message, hint, (line, col))

    doc, problems = loader.parse(draft.source, "\n" + m["yaml"])  # after the `---` line: places are the file's
    if problems:
        p = problems[0]
        raise bad(f"the front matter is not valid YAML: {p.message}", p.hint or "correct the YAML, then adapt again",
                  p.line, p.col)
    if not isinstance(doc.data, dict):
        raise bad(f"the front matter is {loader.kind_of(doc.data)}, not `key: value` lines",
                  "write it as `title: ...` and `author: ...` lines, one a line", 2, 1)
    preface = _Preface(draft)
    unused = []
    for key, value in doc.data.items():
        kind = re.sub(r"[_-]", " ", key.strip().lower())
        kind = "language" if kind == "lang" else kind  # pandoc's name for it
        if kind in ("title", "author", "authors") and value is not None and not isinstance(value, str) \
                and not _front_text(value, kind != "title"):
            where, written = doc.pos((key,)), doc.node((key,)).value  # a scalar's text as written
            shown = written if isinstance(written, str) else "..."
            raise bad(f"the front matter's `{key}` is {loader.kind_of(value)}, not text",
                      f"write the {kind} as text, in quotes where YAML would read it otherwise: {key}: \"{shown}\"",
                      where.line, where.col)
        text_value = _front_text(value, True)
        found = _label(f"{kind}: {text_value}") if text_value else None
        if found is not None and found[0] != "other":
            preface._found(found, f"{key}: {text_value}")
        elif value not in (None, ""):
            unused.append(key)
    preface.waiting = None
    if unused:
        draft.dropped.append("front matter fields not used: " + ", ".join(unused))
    preface.flush()
    return text[m.end():]


def _front_text(value, lists: bool) -> str:
    """A front matter value as text: a string, or (with `lists`) a list of strings joined by commas;
    '' for anything else."""
    if isinstance(value, str):
        return " ".join(value.split())
    if lists and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(" ".join(v.split()) for v in value)
    return ""


def _md_blocks(text: str, nested: int = 0) -> Iterator[Block]:
    """Markdown -> blocks; text CommonMark read as code is read again as Markdown (`nested` deep)."""
    from markdown_it import MarkdownIt

    return _md_token_blocks(MarkdownIt("commonmark").parse(text), nested)


_BULLETS = ("•", "◦", "▪")  # a list's bullet at each depth, as a browser draws them


def _md_token_blocks(tokens, nested: int) -> Iterator[Block]:
    """Blocks from markdown-it's tokens. A list item's first paragraph starts with its marker (a
    bullet by depth, or its number as written), as plain text keeps them: a scene's paragraphs are
    its only line breaks, so items must not run together or lose what numbers them."""
    i = 0
    depth = 0  # inside block quotes and lists, headings are text
    lists = 0
    marker = ""  # the marker of a list item whose first paragraph is still to come
    span = (-1, -1)

    def mark(block: Block, token=None) -> Block:
        block.span = span
        block.first = token.map[0] if token is not None and token.map and not nested else span[0]
        return block

    while i < len(tokens):
        t = tokens[i]
        if t.level == 0 and t.map and not nested:
            span = (t.map[0], t.map[1])
        if t.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            lists += t.type != "blockquote_open"
        elif t.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= 1
            lists -= t.type != "blockquote_close"
        elif t.type == "list_item_open":
            marker = t.info + t.markup if t.info else _BULLETS[min(lists, len(_BULLETS)) - 1]
        elif t.type == "list_item_close":
            marker = ""  # an empty item's marker marks nothing after it
        elif t.type == "heading_open":
            text = _tidy(_md_inline(tokens[i + 1]))
            if not text:
                yield Block(BREAK)  # a lone `#`: a separator written as plain text
            elif depth:  # `> ## Letter` or `- # Item`: text, as the quote or the item sets it
                yield mark(Block(PARA, f"{marker} {text}" if marker else text, listed=lists > 0), t)
                marker = ""
            else:
                yield mark(Block(HEADING, text, int(t.tag[1]), underlined=not t.markup.startswith("#")), t)
            i += 3
            continue
        elif t.type == "paragraph_open":
            inline = tokens[i + 1]
            text = _tidy(_md_inline(inline))
            prefix = f"{marker} " if marker and text else ""
            marker = "" if text else marker
            if is_separator(text) and not prefix:
                yield mark(Block(BREAK))
            elif not depth and _md_emphasised(inline, bold=True) and "\n" not in text and heading_like(text):
                yield mark(_candidate(text), t)  # `**One**` on its own: a heading, as a bold line is in HTML
            elif text:
                lines = tuple(_md_inline(inline, soft="\n").split("\n"))
                text, lines = prefix + text, (prefix + lines[0],) + lines[1:]
                yield mark(Block(PARA, text, note=_md_emphasised(inline), lines=lines, listed=lists > 0), t)
            i += 3
            continue
        elif t.type == "hr":
            yield mark(Block(BREAK))
        elif t.type in ("code_block", "fence"):
            # A story has no code: `~~~` (or ``` without a language) is a separator CommonMark took for a
            # fence, and an indented block is an indented paragraph or a centred `* * *`. Read them as text.
            fence = t.type == "fence" and not t.info.strip()
            if fence:
                yield mark(Block(BREAK))
            yield from map(mark, _md_blocks(t.content, nested + 1) if nested < 4 else _loose_text(t.content))
            if fence:
                yield mark(Block(BREAK))
        elif t.type == "html_block":
            yield from map(mark, _html_fragment(t.content))
        i += 1


def _loose_text(content: str) -> Iterator[Block]:
    """Text Markdown took for code (an indented paragraph, a centred separator): paragraphs by blank lines."""
    for part in re.split(r"\n[ \t]*\n", content):
        text = " ".join(line.strip() for line in part.split("\n") if line.strip())
        if is_separator(text):
            yield Block(BREAK)
        elif text:
            yield Block(PARA, text)


def _md_inline(token, soft: str = " ") -> str:
    out = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(soft)
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
        elif child.type == "html_inline" and re.match(r"<br\s*/?>", child.content, re.I):
            out.append("\n")
    return "".join(out)


def _md_emphasised(token, bold: bool = False) -> bool:
    """A paragraph set wholly in italics or bold, as authors set off notes (wholly in bold, with `bold`)."""
    children = [c for c in token.children or () if not (c.type == "text" and not c.content.strip())]
    return len(children) >= 3 and children[0].type in (("strong_open",) if bold else ("em_open", "strong_open")) and \
        children[-1].type in ("em_close", "strong_close") and \
        sum(1 for c in children if c.type in ("em_open", "strong_open")) == \
        sum(1 for c in children if c.type in ("em_close", "strong_close")) and _balanced_once(children)


def _balanced_once(children) -> bool:
    depth = 0
    for c in children[:-1]:
        depth += c.type in ("em_open", "strong_open")
        depth -= c.type in ("em_close", "strong_close")
        if depth == 0:
            return False
    return True


# -- HTML ----------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_BLOCK = {"address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
          "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
          "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
          "thead", "tr", "ul", "body", "html", "caption"}
_CLOSES_P = _BLOCK - {"html", "body", "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "dd", "dt", "li"}
_SKIP = {"script", "style", "head", "template", "noscript", "title", "svg", "math", "button", "select", "textarea"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_WS = re.compile(r"[ \t\n\r\f]+")  # HTML's white space; a no-break space is text
_SPACES = re.compile(" {2,}")
MAX_HTML_DEPTH = 100


class _Node:
    __slots__ = ("tag", "attrs", "children", "parent", "depth", "block", "at")

    def __init__(self, tag: str, attrs: dict, parent: Optional["_Node"], at: tuple[int, int] = (0, 0)):
        self.tag, self.attrs, self.children, self.parent, self.at = tag, attrs, [], parent, at
        self.depth = parent.depth + 1 if parent is not None else 0
        self.block: Optional[bool] = None  # worked out once by _is_block

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find_all(self, pred: Callable[["_Node"], bool]) -> Iterator["_Node"]:
        for c in self.children:
            if isinstance(c, _Node):
                if pred(c):
                    yield c
                yield from c.find_all(pred)

    def find(self, pred: Callable[["_Node"], bool]) -> Optional["_Node"]:
        return next(self.find_all(pred), None)

    def text(self) -> str:
        return _tidy(_SPACES.sub(" ", "".join(_inline(self))))


class _Tree(HTMLParser):
    """The standard library's tokenizer, building a small tree; entities decoded once, by it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        if tag in _CLOSES_P or tag == "p":
            self._close_p()
        if tag == "li":
            self._close_same(("li",), ("ul", "ol"))
        if tag in ("dt", "dd"):
            self._close_same(("dt", "dd"), ("dl",))
        line, offset = self.getpos()
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.at, (line, offset + 1))
        self.at.children.append(node)
        if tag not in _VOID and node.depth < MAX_HTML_DEPTH:  # deeper tags keep their text, not their nesting
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.at.tag == tag:
            self.at = self.at.parent

    def _close_p(self):
        node = self.at
        while node is not None and node.tag not in _BLOCK - {"p"}:
            if node.tag == "p":
                self.at = node.parent
                return
            node = node.parent

    def _close_same(self, tags, stop):
        node = self.at
        while node is not None and node.tag not in stop:
            if node.tag in tags:
                self.at = node.parent
                return
            node = node.parent

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent
        elif tag == "p":  # `</p>` with no open <p> is an empty paragraph in HTML
            pass

    def handle_data(self, data):
        self.at.children.append(data)


def _inline(node: _Node) -> Iterator[str]:
    for c in node.children:
        if isinstance(c, str):
            yield _WS.sub(" ", c)
        elif c.tag == "br":
            yield "\n"
        elif c.tag not in _SKIP:
            yield from _inline(c)


def _is_block(node: _Node) -> bool:
    if node.block is None:
        node.block = node.tag in _BLOCK or any(isinstance(c, _Node) and _is_block(c) for c in node.children)
    return node.block


def _html_blocks(node: _Node, skip: Callable[[_Node], bool] = lambda n: False) -> Iterator[Block]:
    """The blocks of a piece of HTML, in order, leaving out what `skip` says is not story."""
    run: list = []  # inline content between blocks, as a paragraph of its own

    def flush():
        if run:
            holder = _holder(run, node.at)
            run.clear()
            yield from _leaf(holder)

    for c in node.children:
        if isinstance(c, str) or not _is_block(c):
            if isinstance(c, _Node) and (c.tag in _SKIP or skip(c)) or (not run and isinstance(c, str) and c.isspace()):
                continue  # the white space between blocks is no paragraph
            run.append(c)
            continue
        yield from flush()
        if c.tag in _SKIP or skip(c):
            continue
        if c.tag == "hr":
            yield Block(BREAK)
        elif c.tag in _HEADINGS:
            text = c.text()
            yield Block(HEADING, text, _HEADINGS[c.tag], at=c.at) if text else Block(BREAK)
        elif c.tag == "p" or not any(isinstance(g, _Node) and _is_block(g) for g in c.children):
            yield from _leaf(c)
        else:
            yield from _html_blocks(c, skip)
    yield from flush()


def _leaf(node: _Node) -> Iterator[Block]:
    """A paragraph, or an empty one (a GAP, which may part vignettes). In a bare <div>, two <br>
    in a row part paragraphs, as blank lines do, and each further <br> widens the gap."""
    if node.tag != "p" and any(isinstance(c, _Node) and c.tag == "br" for c in node.children):
        for part in _br_paragraphs(node):
            yield from _leaf(part)
        return
    text = node.text()
    if not text:
        yield Block(GAP)
    elif is_separator(text):
        yield Block(BREAK)
    elif _all_bold(node) and "\n" not in text and heading_like(text):
        yield _candidate(text, node.at)
    else:
        yield Block(PARA, text, note=_all_emphasis(node), at=node.at)


def _br_paragraphs(node: _Node) -> Iterator[_Node]:
    """The runs of a node's children between two or more <br>, each as a <p>; each <br> beyond
    two adds an empty <p>."""
    current: list = []
    brs = 0
    pending: list = []  # white space and single <br> that may yet be part of a run
    for c in node.children:
        if isinstance(c, _Node) and c.tag == "br":
            brs += 1
            pending.append(c)
        elif isinstance(c, str) and c.isspace():
            pending.append(c)
        else:
            if brs >= 2:
                yield _as_p(current, node.at)
                yield from (_as_p([], node.at) for _ in range(brs - 2))
                current, pending = [], []
            current += pending + [c]
            pending, brs = [], 0
    yield _as_p(current, node.at)


def _as_p(children: list, at: tuple[int, int]) -> _Node:
    holder = _holder(children, at)
    holder.tag = "p"
    return holder


def _html_gaps(blocks: list[Block]) -> list[Block]:
    """Empty paragraphs out; where two or more runs of them, wider than usual, part unheaded
    text, they part vignettes (a plain text pasted into an archive keeps its blank lines so)."""
    kept: list[Block] = []
    gaps: list[int] = []
    run = 0
    for b in blocks:
        if b.kind == GAP:
            run += 1
            continue
        kept.append(b)
        gaps.append(run)
        run = 0
    if kept:
        gaps[0] = 0
    return _break_wide_gaps(kept, gaps)


def _all_bold(node: _Node) -> bool:
    return _only_inside(node, {"b", "strong"})


def _all_emphasis(node: _Node) -> bool:
    return _only_inside(node, {"i", "em", "b", "strong"})


def _only_inside(node: _Node, tags: set[str]) -> bool:
    """Every word of the node is inside one of `tags`."""
    def walk(n: _Node, inside: bool) -> Iterator[bool]:
        for c in n.children:
            if isinstance(c, str):
                if c.strip():
                    yield inside
            else:
                yield from walk(c, inside or c.tag in tags)
    seen = list(walk(node, False))
    return bool(seen) and all(seen)


def _html_fragment(content: str) -> Iterator[Block]:
    tree = _Tree()
    tree.feed(content)
    tree.close()
    yield from (b for b in _html_blocks(tree.root) if b.kind != GAP)


def _by_id(root: _Node, *ids: str) -> Optional[_Node]:
    return root.find(lambda n: n.attrs.get("id") in ids)


def parse_html(text: str, draft: Draft) -> list[Vignette]:
    tree = _Tree()
    tree.feed(text)
    tree.close()
    root = tree.root
    if root.find(lambda n: n.tag == "tw-storydata") is not None:
        return _twine2(root, text, draft)
    store = _by_id(root, "storeArea", "store-area")
    if store is not None and store.find(lambda n: "tiddler" in n.attrs) is not None:
        return _twine1(store, draft)
    draft.url = draft.url or _saved_from(text)
    if _by_id(root, "workskin") is not None or root.find(lambda n: n.tag == "dl" and {"work", "meta"} <= n.classes):
        return _work_page(root, draft)
    preface = _by_id(root, "preface")
    chapters = _by_id(root, "chapters")
    if preface is not None:
        _archive_preface(preface, draft)
    afterword = _by_id(root, "afterword")
    if afterword is not None and afterword.find(lambda n: n.attrs.get("id") == "endnotes" or n.tag == "blockquote"):
        draft.dropped.append("the afterword's end notes")
    images = sum(1 for n in (chapters or root).find_all(lambda n: n.tag == "img"))
    if images:
        draft.dropped.append(f"{images} image{'s' * (images > 1)} (a scene holds text only)")
    if chapters is None:
        body = (_main_content(root) if preface is None else None) or root.find(lambda n: n.tag == "body") or root
        blocks = _html_gaps(list(_html_blocks(body, lambda n: n is preface or n is afterword or _site(n))))
        if preface is None:
            _generic_head(root, blocks, draft)
        return split(blocks, draft, HEADED if preface is None else NONE)
    return _archive_chapters(chapters, draft)


_SITE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
_SITE_PARTS = {"comments", "comment", "sidebar", "share", "sharing", "related", "breadcrumbs", "menu", "navbar"}


def _site(node: _Node) -> bool:
    """A part of a saved web page that belongs to the site, not the story: menus, banners, sidebars, comments."""
    if node.tag == "header":  # a page's banner, but an article's own heading
        return node.attrs.get("role") in _SITE_ROLES or not _within(node, "article")
    return node.tag in ("nav", "footer", "aside", "form") or node.attrs.get("role") in _SITE_ROLES or \
        bool((node.classes | {node.attrs.get("id", "")}) & _SITE_PARTS)


def _within(node: _Node, tag: str) -> bool:
    while node.parent is not None:
        node = node.parent
        if node.tag == tag:
            return True
    return False


def _main_content(root: _Node) -> Optional[_Node]:
    """Where a saved web page keeps its text, where it marks it: a lone <article>, else <main> (or role=main)."""
    articles = list(root.find_all(lambda n: n.tag == "article"))
    if len(articles) == 1:
        return articles[0]
    return root.find(lambda n: n.tag == "main" or n.attrs.get("role") == "main")


def _generic_head(root: _Node, blocks: list[Block], draft: Draft) -> None:
    """A page that is not an archive download: <h1> (else <title>) is the title, <meta name=author> the author."""
    for meta in root.find_all(lambda n: n.tag == "meta"):
        name = meta.attrs.get("name", "").lower()
        if name == "author" and not draft.author:
            draft.author = " ".join(meta.attrs.get("content", "").split())
        elif name == "description" and not draft.summary:
            draft.summary = " ".join(meta.attrs.get("content", "").split())
    html_tag = root.find(lambda n: n.tag == "html")
    if html_tag is not None:
        draft.language = _language(html_tag.attrs.get("lang", ""))
    if blocks and blocks[0].kind == HEADING and blocks[0].level == 1:
        draft.title = blocks.pop(0).text
    else:
        title = root.find(lambda n: n.tag == "title")
        if title is not None:
            draft.title = _WS.sub(" ", "".join(c for c in title.children if isinstance(c, str))).strip()


def _archive_tags(tags: Optional[_Node], draft: Draft) -> None:
    """The work's tags (`<dt>Archive Warning:</dt><dd>...</dd>`): warnings and language kept, the rest named."""
    others = []
    label = ""
    for item in tags.children if tags is not None else ():
        if not isinstance(item, _Node):
            continue
        if item.tag == "dt":
            label = item.text().rstrip(":：").strip()
        elif item.tag == "dd":
            values = [a.text() for a in item.find_all(lambda n: n.tag == "a")] or [item.text()]
            key = label.lower()
            if key.startswith("archive warning") or key in ("warning", "warnings", "content warnings"):
                for v in values:
                    draft.content_notes += [w for w in _warnings(v) if w not in draft.content_notes]
            elif key == "language":
                draft.language = _language(item.text())
                if not draft.language:
                    others.append(label)
            elif label:
                others.append(label)
    if others:
        draft.dropped.append("tags with no place in story.yaml: " + ", ".join(dict.fromkeys(others)))


def _archive_preface(preface: _Node, draft: Draft) -> None:
    meta = preface.find(lambda n: "meta" in n.classes) or preface
    h1 = meta.find(lambda n: n.tag == "h1")
    if h1 is not None:
        draft.title = h1.text()
    else:
        message = preface.find(lambda n: "message" in n.classes)
        bold = message.find(lambda n: n.tag in ("b", "strong")) if message is not None else None
        draft.title = bold.text() if bold is not None else ""
    byline = meta.find(lambda n: "byline" in n.classes)
    if byline is not None:
        draft.author = re.sub(r"^by\s+", "", byline.text(), flags=re.I).strip()
    for link in preface.find_all(lambda n: n.tag == "a"):
        href = link.attrs.get("href", "")
        if re.match(r"https?://\S+/works/\d+", href):
            draft.url = href
            break
    _archive_tags(meta.find(lambda n: n.tag == "dl"), draft)
    # after <p>Summary</p> and <p>Notes</p> come blockquotes with the text
    label = ""
    for item in meta.children:
        if not isinstance(item, _Node):
            continue
        if item.tag == "p":
            label = item.text().rstrip(":").strip().lower()
        elif item.tag == "blockquote":
            paragraphs = [b.text for b in _html_blocks(item) if b.kind != BREAK and b.text]
            if label == "summary" and not draft.summary:
                draft.summary = "\n".join(paragraphs)
            elif paragraphs:
                draft.dropped.append(f"the work's {label or 'notes'} ({_quote(paragraphs[0])})")


def _archive_chapters(chapters: _Node, draft: Draft) -> list[Vignette]:
    """Chapter text only: each chapter's heading marks it; its summary, notes and end notes are left out."""
    def skip(n: _Node) -> bool:
        return bool(n.classes & {"meta", "endnote-link", "toc-heading", "chapter-header"}) or \
            n.attrs.get("id", "").startswith("endnotes")

    segments: list[tuple[str, list]] = [("", [])]  # (chapter heading, the nodes of its text)
    notes = 0
    for c in chapters.children:
        if isinstance(c, _Node) and c.attrs.get("id", "").startswith("endnotes"):
            notes += 1
            continue
        if isinstance(c, _Node) and (c.classes & {"meta", "chapter-header"} or
                                     c.tag in _HEADINGS and c.classes & {"heading", "toc-heading"}):
            heading = c if c.tag in _HEADINGS else c.find(lambda n: n.tag in _HEADINGS)
            notes += sum(1 for _ in c.find_all(lambda n: n.tag == "blockquote"))
            segments.append((heading.text() if heading is not None else "", []))
            continue
        segments[-1][1].append(c)
    if notes:
        draft.dropped.append(f"{notes} chapter summar{'ies' if notes > 1 else 'y'} or note{'s' * (notes > 1)}")
    return _chapter_vignettes(segments, skip, draft)


def _chapter_vignettes(segments: list[tuple[str, list]], skip: Callable[[_Node], bool], draft: Draft) -> list[Vignette]:
    """Chapters (heading, nodes of its text) -> vignettes: a chapter's headings start vignettes, and a
    chapter that holds one vignette, or the first of several chapters' vignettes, takes its heading."""
    groups = [(title, blocks) for title, nodes in segments
              if (blocks := _html_gaps(list(_html_blocks(_holder(nodes), skip))))]
    vignettes: list[Vignette] = []
    for title, blocks in groups:
        found = split(blocks, draft, NONE)
        chapter = re.sub(r"^Chapter\s+\d+\s*[:.]\s*", "", title).strip()
        if found and not found[0].heading and chapter and (len(groups) > 1 or len(found) == 1):
            found[0].title, found[0].heading = chapter, True
        vignettes += found
    return vignettes


# -- a work's page saved from the archive in a browser ---------------------------------------

_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->|<!--[^>]*?Page saved with SingleFile\s+url:\s*(\S+)",
                         re.I)


def _saved_from(text: str) -> str:
    """The address a browser noted when it saved the page (`saved from url=`, SingleFile's `url:`), if it is a work's."""
    m = _SAVED_FROM.search(text[:4000])
    return _work_address((m.group(1) or m.group(2)) if m else "")


def _work_page(root: _Node, draft: Draft) -> list[Vignette]:
    """A work's page as the archive shows it, saved from a browser ("Web page, complete", "Single file"):
    the preface in #workskin gives title, byline, summary; the tag list warnings and language; the
    text comes from the chapters only, never from notes, comments, navigation or the site around it."""
    skin = _by_id(root, "workskin") or root
    draft.form = "page"
    preface = skin.find(lambda n: {"preface", "group"} <= n.classes and "chapter" not in n.classes
                        and "afterword" not in n.classes)
    if preface is not None:
        title = preface.find(lambda n: n.tag in _HEADINGS and "title" in n.classes)
        byline = preface.find(lambda n: n.tag in _HEADINGS and "byline" in n.classes)
        summary = preface.find(lambda n: "summary" in n.classes)
        draft.title = title.text() if title is not None else ""
        if byline is not None:
            authors = [a.text() for a in byline.find_all(lambda n: n.tag == "a" and n.attrs.get("rel") == "author")]
            draft.author = ", ".join(authors) or re.sub(r"^by\s+", "", byline.text(), flags=re.I).strip()
        quote = summary.find(lambda n: n.tag == "blockquote") if summary is not None else None
        if quote is not None:
            draft.summary = "\n".join(b.text for b in _html_blocks(quote) if b.kind != BREAK and b.text)
        if preface.find(lambda n: "notes" in n.classes) is not None:
            draft.dropped.append("the work's notes")
    _archive_tags(root.find(lambda n: n.tag == "dl" and {"work", "meta"} <= n.classes), draft)
    if not draft.url:
        for link in root.find_all(lambda n: n.tag in ("a", "link", "meta")):
            m = re.match(r"https?://[^/\s]+/works/\d+", link.attrs.get("href") or link.attrs.get("content", ""))
            if m and (link.attrs.get("rel") == "canonical" or link.attrs.get("property") == "og:url"):
                draft.url = m.group()
                break
    if skin.find(lambda n: "afterword" in n.classes or n.attrs.get("id") == "work_endnotes") is not None:
        draft.dropped.append("the afterword's end notes")
    chapters = _by_id(skin, "chapters")
    if chapters is None:
        notice = root.find(lambda n: {"caution", "notice"} & n.classes or "adult" in n.attrs.get("id", ""))
        if notice is not None and "adult content" in notice.text().lower():
            raise refuse("E406", draft.source, "this is the archive's adult-content notice, saved before the work "
                         "was shown", "open the work (Proceed), then save the page again, or use Download > HTML")
        return []

    def skip(n: _Node) -> bool:  # `Chapter Text` landmarks, chapter summaries, notes, end notes
        return bool(n.classes & {"landmark", "preface", "notes", "end", "summary", "meta"}) or \
            n.attrs.get("id", "").endswith("endnotes")

    parts = [c for c in chapters.children if isinstance(c, _Node) and "chapter" in c.classes and c.tag == "div"]
    segments: list[tuple[str, list]] = []
    for part in parts or [chapters]:
        heading = part.find(lambda n: n.tag in _HEADINGS and "title" in n.classes) if parts else None
        text = part.find(lambda n: "userstuff" in n.classes and not {"summary", "notes"} & _up(n)) or part
        segments.append((heading.text() if heading is not None else "", text.children))
    stats = root.find(lambda n: n.tag == "dd" and "chapters" in n.classes)
    published = re.match(r"\s*(\d+)\s*/", stats.text()) if stats is not None else None
    if published and len(parts or [chapters]) < int(published.group(1)):
        warn(draft, "W430", draft.source, f"the page shows {len(parts or [chapters])} of the work's "
             f"{published.group(1)} chapters, so the drafts hold only {'that' if len(parts) <= 1 else 'those'}",
             "on the archive choose Entire Work and save that page, or use Download > HTML, then adapt again")
    notes = sum(1 for part in parts for _ in part.find_all(lambda n: {"summary", "notes"} & n.classes
                                                           and n.tag == "div"))
    if notes:
        draft.dropped.append(f"{notes} chapter summar{'ies' if notes > 1 else 'y'} or note{'s' * (notes > 1)}")
    return _chapter_vignettes(segments, skip, draft)


def _up(node: _Node) -> set[str]:
    """The classes of a node's ancestors: whether it sits inside a summary or a note."""
    found: set[str] = set()
    while node.parent is not None:
        node = node.parent
        found |= node.classes
    return found


# -- Twine: a story of passages and links ------------------------------------------------------

_TWINE_SPECIAL = {"StoryTitle", "StoryData", "StoryAuthor", "StorySubtitle", "StoryInit", "StoryCaption", "StoryMenu",
                  "StoryBanner", "StoryIncludes", "StorySettings", "StoryShare", "StoryInterface", "PassageReady",
                  "PassageDone", "PassageHeader", "PassageFooter", "StoryDisplayTitle"}
_TWINE_SPECIAL_TAGS = {"script", "stylesheet", "widget", "Twine.private", "Twine.image", "annotation", "header",
                       "footer", "startup", "debug-header", "debug-footer", "debug-startup", "init"}
_TWINE_LINK = re.compile(r"\[\[(.*?)\]\]")
_TWINE_CODE = re.compile(r"\(\s*[a-zA-Z][\w-]*\s*:|<<[/=\w-]*|<%=?|\$[A-Za-z_]\w*|</?[A-Za-z][\w-]*(?:\s[^>]*)?/?>")
MAX_OPTIONS = 20  # the scene schema's maxItems for options


@dataclass
class Passage:
    name: str
    text: str
    tags: list[str]
    at: tuple[int, int]  # where the passage starts
    where: Callable[[int], tuple[int, int]]  # an offset in `text` -> (line, col) in the source


def _twine_link(inside: str) -> tuple[str, str]:
    """`[[text->target]]`, `[[target<-text]]`, `[[text|target]]`, `[[target]]`, each with an optional
    `][setter]`, as Twine itself reads them: (text shown, passage named)."""
    inside = inside.split("][")[0]
    if "->" in inside:
        text, _, target = inside.rpartition("->")
    elif "<-" in inside:
        target, _, text = inside.partition("<-")
    elif "|" in inside:
        text, _, target = inside.rpartition("|")
    else:
        text = target = inside
    return text.strip() or target.strip(), target.strip()


def _twine_vignettes(passages: list[Passage], start: str, draft: Draft,
                     start_at: tuple[int, int] = (0, 0), why: str = "") -> list[Vignette]:
    """Passages -> one scene each, reached from the start; links become options. Problems that leave
    the story ambiguous stop it; links and passages that lead nowhere are left out with a warning."""
    name = draft.source
    problems = [Diagnostic(name, *p.at, "E421", "a passage without a name", ERROR,
                           "give the passage a name in Twine (links find passages by name)")
                for p in passages if not p.name.strip()]
    first: dict[str, Passage] = {}
    for p in passages:
        if p.name.strip() and p.name in first:
            problems.append(Diagnostic(name, *p.at, "E420", f"a second passage named '{_cut(p.name, 60)}' (the "
                                       f"first is at line {first[p.name].at[0]})", ERROR,
                                       "rename one of them in Twine, and point each link at the one it means"))
        first.setdefault(p.name, p)
    if problems:
        raise AdaptError(problems)
    story = {p.name: p for p in passages
             if p.name not in _TWINE_SPECIAL and not set(p.tags) & _TWINE_SPECIAL_TAGS}
    left = [n for n in first if n not in story]
    if left:
        draft.dropped.append("passages for the story format, not the story (" + ", ".join(left[:6]) +
                             (", …" if len(left) > 6 else "") + ")")
    if not story:
        return []
    if start not in story:
        fallback = "Start" if "Start" in story else next(iter(story))
        named = f" (it names {start!r})" if start else why
        warn(draft, "W425", name, f"the story names no start passage{named}; "
             f"starting at '{_cut(fallback, 60)}'", "set the start passage in Twine (the rocket icon), or edit "
             "`start:` in story.yaml", start_at)
        start = fallback
    read = {n: _passage_text(p) for n, p in story.items()}
    order, seen = [start], {start}
    for n in order:  # breadth first: the scenes in the order a reader meets them
        for text, target, offset in read[n][1]:
            if target in story and target not in seen:
                seen.add(target)
                order.append(target)
    index = {n: i for i, n in enumerate(order)}
    vignettes: list[Vignette] = []
    problems = []
    for n in order:
        p = story[n]
        paragraphs, links, code = read[n]
        options: list[tuple[str, int]] = []
        for text, target, offset in links:
            if target not in index:
                what = (f"the link “{_cut(text, 40)}” in '{_cut(n, 40)}' leads to '{_cut(target, 40)}', which no "
                        "passage is named" if target else f"an empty link in '{_cut(n, 40)}'")
                warn(draft, "W422", name, f"{what}; the option is left out", "correct the link (names are "
                     "case-sensitive) or write the missing passage in Twine, then adapt again", p.where(offset))
            elif (text, index[target]) not in options:
                options.append((_cut(text, 2000), index[target]))
        if len(options) > MAX_OPTIONS:
            problems.append(Diagnostic(name, *p.at, "E427", f"the passage '{_cut(n, 60)}' links to {len(options)} "
                                       f"passages; a scene offers at most {MAX_OPTIONS} options", ERROR,
                                       "split its links over two passages (a 'more…' link to the rest)"))
        if code is not None:
            warn(draft, "W423", name, f"the passage '{_cut(n, 40)}' holds story-format code, "
                 f"“{_cut(code[1], 30)}”, that vignettes does not run; it is kept as text", "rewrite it with the "
                 "story's variables and `if:` conditions, or delete it, in the drafts", p.where(code[0]))
        if not paragraphs:
            paragraphs = [(_cut(n, MAX_PARAGRAPH), -1)]
            draft.dropped.append(f"no text in the passage '{_cut(n, 40)}': its name stands in as its text")
        vignettes.append(Vignette(n, [t for t, _ in paragraphs], True, p.at,
                                  [p.where(o) if o >= 0 else p.at for _, o in paragraphs], options))
    for n, p in story.items():
        if n not in index:
            warn(draft, "W426", name, f"the passage '{_cut(n, 60)}' cannot be reached from the start "
                 f"('{_cut(start, 40)}'); it is left out", "link to it from a passage the reader reaches, "
                 "then adapt again", p.at)
    if not any(not v.options for v in vignettes):
        problems.append(Diagnostic(name, *story[start].at, "E428", "no passage the reader can reach ends the "
                                   "story: every one links on", ERROR, "add a passage without links where the "
                                   "story ends (a scene with no options is an ending), then adapt again"))
    if problems:
        raise AdaptError(problems)
    draft.branching = True
    if draft.form == "html":
        draft.form = "twine"
    return vignettes


def _passage_text(p: Passage) -> tuple[list[tuple[str, int]], list[tuple[str, str, int]], Optional[tuple[int, str]]]:
    """A passage's paragraphs (each line of prose, links shown as their text) with their offsets; its
    links (text, target, offset); and the first story-format code in it (offset, code), if any."""
    paragraphs: list[tuple[str, int]] = []
    links: list[tuple[str, str, int]] = []
    offset = 0
    for line in p.text.split("\n"):
        prose: list[str] = []  # the line between its links
        shown: list[str] = []  # the line as the reader sees it: links as their text
        end = 0
        for m in _TWINE_LINK.finditer(line):
            text, target = _twine_link(m.group(1))
            prose.append(line[end:m.start()])
            shown += [line[end:m.start()], text]
            end = m.end()
            if not re.match(r"\w+://", target):  # a link to a web page keeps its text and gives no option
                links.append((text, target, offset + m.start()))
        prose.append(line[end:])
        shown.append(line[end:])
        if not (end and not re.sub(r"[\s|•·,;:/\-–—]+", "", "".join(prose))):  # a line of links only: options
            text = _tidy("".join(shown))
            if text:
                paragraphs.append((text, offset + _indent(line)))
        offset += len(line) + 1
    m = _TWINE_CODE.search(p.text)
    return paragraphs, links, (m.start(), m.group()) if m else None


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _place(starts: list[int], index: int) -> tuple[int, int]:
    """An index into the source -> (line, col), both 1-based."""
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


_CHARREF = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def _raw_places(source: str, starts: list[int], begin: int) -> Callable[[int], tuple[int, int]]:
    """For text decoded from source[begin:] (entities decoded once, as the HTML parser does): an offset
    in the decoded text -> its (line, col) in the source."""
    import html

    marks = [(0, begin)]  # (decoded offset, source index) after each character reference
    decoded = 0
    index = begin
    end = source.find("<", begin)
    end = len(source) if end < 0 else end
    for m in _CHARREF.finditer(source, begin, end):
        decoded += m.start() - index
        index = m.end()
        decoded += len(html.unescape(m.group()))
        marks.append((decoded, index))

    decoded_at = [done for done, _ in marks]

    def where(offset: int) -> tuple[int, int]:
        done, at = marks[max(0, bisect.bisect_right(decoded_at, offset) - 1)]
        return _place(starts, at + max(0, offset - done))
    return where


def _twine2(root: _Node, source: str, draft: Draft) -> list[Vignette]:
    """Twine 2's HTML: a published story, a Twine archive of several, or a page of one saved from a browser."""
    stories = list(root.find_all(lambda n: n.tag == "tw-storydata"))
    names = [s.attrs.get("name", "") for s in stories]
    if draft.story:
        chosen = [s for s in stories if s.attrs.get("name", "") == draft.story]
        if not chosen:
            near = difflib.get_close_matches(draft.story, names, n=1)
            raise refuse("E424", draft.source, f"no story named '{_cut(draft.story, 60)}' in this Twine file; it "
                         f"holds {', '.join(repr(_cut(n, 40)) for n in names[:8])}",
                         f"did you mean --story '{near[0]}'?" if near else "name one of them with --story", stories[0].at)
        story = chosen[0]
    elif len(stories) > 1:
        raise refuse("E424", draft.source, f"this Twine archive holds {len(stories)} stories: "
                     f"{', '.join(repr(_cut(n, 40)) for n in names[:8])}{', …' if len(names) > 8 else ''}",
                     f"say which to adapt with --story NAME (for example --story '{names[0]}')", stories[1].at)
    else:
        story = stories[0]
    starts = _line_starts(source)
    passages = []
    for node in story.find_all(lambda n: n.tag == "tw-passagedata"):
        text = "".join(c for c in node.children if isinstance(c, str))
        begin = starts[node.at[0] - 1] + node.at[1] - 1
        inner = source.find(">", begin) + 1
        passages.append(Passage(node.attrs.get("name", ""), text, node.attrs.get("tags", "").split(), node.at,
                                _raw_places(source, starts, inner)))
    draft.title = story.attrs.get("name", "").strip()
    pid = story.attrs.get("startnode", "")
    start = next((n.attrs.get("name", "") for n in story.find_all(lambda n: n.tag == "tw-passagedata")
                  if n.attrs.get("pid") == pid), "")
    if story.attrs.get("format"):
        draft.dropped.append(f"the story format ({story.attrs['format']}), its styles and scripts")
    return _twine_vignettes(passages, start, draft, story.at)


def _twine1(store: _Node, draft: Draft) -> list[Vignette]:
    """Twine 1's HTML: passages as <div tiddler="name"> in #storeArea, newlines written `\\n`."""
    passages = []
    for node in store.find_all(lambda n: "tiddler" in n.attrs):
        raw = "".join(c for c in node.children if isinstance(c, str))
        text = re.sub(r"\\[nts]", lambda m: {"n": "\n", "t": "\t", "s": "\\"}[m.group()[1]], raw)
        passages.append(Passage(node.attrs["tiddler"], text, node.attrs.get("tags", "").split(), node.at,
                                lambda offset, at=node.at: at))
    named = {p.name: p for p in passages}
    if "StoryTitle" in named:
        draft.title = _tidy(named["StoryTitle"].text).split("\n")[0]
    if "StoryAuthor" in named:
        draft.author = _tidy(named["StoryAuthor"].text).split("\n")[0]
    return _twine_vignettes(passages, "Start", draft)


_TWEE_HEADER = re.compile(r"^::[ \t]*(?P<name>(?:\\.|[^\\\[{])*?)[ \t]*(?:\[(?P<tags>(?:\\.|[^\\\]])*)\])?[ \t]*"
                          r"(?P<meta>\{.*\}|<-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?>)?[ \t]*$", re.M)  # Twee 3 {…}, Twee 2 <x,y>


def parse_twee(text: str, draft: Draft) -> list[Vignette]:
    """Twee (Twine's text form, as Tweego and Twine 2.6's "Export as Twee" write it): `:: Name [tags]`
    opens each passage; StoryTitle holds the title, StoryData the start passage."""
    import json

    starts = _line_starts(text)
    headers = list(_TWEE_HEADER.finditer(text))
    passages = []
    for m, after in zip(headers, headers[1:] + [None]):
        begin = m.end() + 1
        body = text[begin: after.start() if after else len(text)]
        name = re.sub(r"\\(.)", r"\1", m["name"])
        tags = re.sub(r"\\(.)", r"\1", m["tags"] or "").split()
        passages.append(Passage(name, body.rstrip("\n"), tags, _place(starts, m.start()),
                                lambda offset, b=begin: _place(starts, min(b + offset, len(text)))))
    named = {p.name: p for p in passages}
    if "StoryTitle" in named:
        draft.title = _tidy(named["StoryTitle"].text).split("\n")[0]
    start = "Start"
    start_at = named["StoryData"].at if "StoryData" in named else (0, 0)
    if "StoryData" in named:
        try:
            data = json.loads(named["StoryData"].text)
            start = str(data.get("start", start)) if isinstance(data, dict) else start
        except ValueError as e:
            return _twine_vignettes(passages, "", draft, start_at, f" (StoryData is not JSON: {e.args[0] if e.args else e})")
    return _twine_vignettes(passages, start, draft, start_at)


def _holder(children: list, at: tuple[int, int] = (0, 0)) -> _Node:
    """A bare <div> around some nodes, so that they can be read as one piece of HTML; it is where
    its first element is (else at `at`, where the nodes' parent is)."""
    holder = _Node("div", {}, None, next((c.at for c in children if isinstance(c, _Node)), at))
    holder.children = list(children)
    return holder


# -- reading the source -----------------------------------------------------------------------


def read_source(path: Path) -> bytes:
    """The file's bytes, refused unread when it is not a regular file or is over 10 MiB."""
    try:
        if path.is_dir():
            raise refuse("E401", path, "this is a folder, not a story file", "name the text, Markdown or HTML file")
        # Non-blocking, and the type checked on the open descriptor: a pipe or device never hangs or floods us.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise refuse("E401", path, "this is not a regular file (a pipe, device or socket)",
                             "save the story to a file and adapt that")
            if info.st_size > MAX_SOURCE_BYTES:
                raise refuse("E402", path, f"the file is {info.st_size:,} bytes; the limit is {MAX_SOURCE_BYTES:,} "
                             "(10 MiB)", "adapt one story at a time")
            raw = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as e:
        raise refuse("E400", path, f"cannot read the file: {e.strerror or e}",
                     "check the path and its permissions") from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise refuse("E402", path, f"the file is over {MAX_SOURCE_BYTES:,} bytes (10 MiB)", "adapt one story at a time")
    return raw


def source_text(name: str, raw: bytes) -> str:
    """The file's bytes as text: any BOM'd encoding or UTF-8, LF line endings; refused if empty."""
    text = _decode(name, raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise refuse("E405", name, "the file is empty" if not raw else "the file holds only white space",
                     "adapt a file that holds a story")
    return text


_BOMS = (("\ufeff".encode("utf-32-le"), "utf-32-le"), ("\ufeff".encode("utf-32-be"), "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Files people take for stories that are not text: what they are, and how to get text out of them.
_DOCUMENTS = ((b"%PDF", "a PDF document", "copy its text into a .txt file, or export it as HTML"),
              (b"{\\rtf", "an RTF document", "save it from your word processor as plain text (.txt) or HTML"),
              (b"\xd0\xcf\x11\xe0", "an old Word (.doc) document", "save it as plain text (.txt) or HTML"),
              (b"\x89PNG", "a PNG image", "adapt the story's text, not a picture of it"),
              (b"\xff\xd8\xff", "a JPEG image", "adapt the story's text, not a picture of it"),
              (b"GIF8", "a GIF image", "adapt the story's text, not a picture of it"),
              (b"\x1f\x8b", "a gzip archive", "unpack it and adapt the story file inside"))
_ZIPPED = (("word/document.xml", "a Word (.docx) document", "save it from Word as plain text (.txt) or as a web page"),
           ("META-INF/container.xml", "an EPUB e-book",
            "download the story as HTML from the archive instead (the same menu offers EPUB and HTML)"),
           ("content.xml", "an OpenDocument file", "save it as plain text (.txt) or HTML"))


def _decode(name: str, raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as e:
                raise refuse("E404", name, f"not valid {encoding} text after its byte-order mark "
                             f"(byte {e.start + len(bom):,})", "save the file again as UTF-8") from None
    for magic, what, hint in _DOCUMENTS:
        if raw.startswith(magic):
            raise refuse("E403", name, f"this is {what}, not a text file", hint)
    if raw.startswith(b"PK\x03\x04"):
        what, hint = _zipped(raw)
        raise refuse("E403", name, f"this is {what}, not a text file", hint)
    if b"\x00" in raw[:4096]:
        raise refuse("E403", name, "this is not a text file (it holds NUL bytes)",
                     "adapt a plain-text, Markdown or HTML file; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        declared = _declared_charset(raw)
        if declared:
            return raw.decode(declared, "replace")
        before = raw[: e.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        col = len(before[start:].decode("utf-8", "replace")) + 1
        raise refuse("E404", name, f"not UTF-8 text: byte 0x{raw[e.start]:02x} cannot be decoded",
                     "save the file as UTF-8 (or with a byte-order mark)", (line, col)) from None


def _declared_charset(raw: bytes) -> str:
    """The encoding an HTML page declares (`<meta charset=windows-1252>`), where it is a real one other than UTF-8."""
    import codecs

    m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", raw[:4096], re.I)
    if not m or not re.match(rb"\s*<(?:!doctype|html|head|meta|!--)", raw, re.I):
        return ""
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return ""
    return "" if name in ("utf-8", "utf-16", "utf-32") else name


def _mhtml(name: str, raw: bytes, suffix: str) -> Optional[tuple[str, str]]:
    """A page saved as one MHTML file ("Save as: Webpage, Single File"): its HTML and the address it
    was saved from, read with the standard library's MIME parser; None if the file is no such archive."""
    head = raw[:4096].lower()
    if suffix.lower() not in (".mhtml", ".mht") and not (b"multipart/related" in head and b"mime-version:" in head):
        return None
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            try:  # browsers name no charset on the part: the page's own <meta charset>, else UTF-8, says
                html = payload.decode(charset) if charset else _decode(name, payload)
            except (LookupError, UnicodeDecodeError) as e:
                raise refuse("E404", name, f"the page inside this MHTML archive cannot be decoded ({e})",
                             "open it in the browser and save it again as \"Web page, complete\"") from None
            html = html.replace("\r\n", "\n").replace("\r", "\n")
            return html, str(part.get("Content-Location") or message.get("Snapshot-Content-Location") or "")
    raise refuse("E406", name, "this MHTML archive holds no HTML page",
                 "open the story in the browser and save it as \"Web page, complete\" (.html)")


def _work_address(url: str) -> str:
    m = re.match(r"https?://[^/\s]+/(?:collections/[^/\s]+/)?works/\d+", url)
    return m.group() if m else ""


def _zipped(raw: bytes) -> tuple[str, str]:
    """What a zip archive holds, by the names of its members (never unpacked)."""
    import io
    import zipfile

    try:
        names = set(zipfile.ZipFile(io.BytesIO(raw)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        names = set()
    for member, what, hint in _ZIPPED:
        if member in names:
            return what, hint
    return "a zip archive", "unpack it and adapt the story file inside"


def detect(text: str, suffix: str) -> str:
    """Which form a file is: HTML by its tags, Markdown by its suffix or its `#` headings, else text."""
    head = text.lstrip("\ufeff \t\n")[:2000].lower()
    if re.match(r"<(?:!doctype html|html[\s>]|\?xml[^>]*>\s*<(?:!doctype html|html))", head) or \
            (head.startswith("<") and re.search(r"<(?:body|p|div|h[1-6]|tw-storydata)[\s>]", head)) or \
            (head.startswith("<!--") and re.search(r"<(?:!doctype html|html)[\s>]", head)):  # a saved page's comment
        return "html"
    if suffix.lower() in (".html", ".htm", ".xhtml") and re.search(r"</?(?:p|div|br|h[1-6])[\s/>]", text[:20000], re.I):
        return "html"
    if suffix.lower() in (".md", ".markdown", ".mdown", ".mkd", ".mkdn"):
        return "markdown"
    if suffix.lower() in (".tw", ".twee", ".tw2", ".tw3") or re.match(r"\s*::[ \t]*\S", text) and (
            "[[" in text or re.search(r"^::[ \t]*Story(?:Title|Data)\b", text, re.M)):
        return "twee"  # `:: Passage` headers, with links or Twee's own passages: not a text that opens with `::`
    headings = re.findall(r"(?m)^#{1,6}[ \t]+\S", text)
    if len(headings) >= 2 or re.match(r"#{1,6}[ \t]+\S", text.lstrip()):
        return "markdown"  # `# Title` and `## Part` are Markdown, even in a .txt
    return "text"


def read(path: Path, form: Optional[str] = None, story: str = "") -> Draft:
    """Read and parse a story file into a Draft; AdaptError if nothing can be made of it."""
    return parse(str(path), read_source(path), path.suffix, form, path.stem, story)


def parse(name: str, raw: bytes, suffix: str = "", form: Optional[str] = None, stem: str = "",
          story: str = "") -> Draft:
    """The story in a file's bytes, as a Draft; AdaptError if nothing can be made of it."""
    archive = _mhtml(name, raw, suffix)
    text = archive[0] if archive else source_text(name, raw)
    form = form or ("html" if archive else detect(text, suffix))
    draft = Draft(form, source=name, story=story)
    reader = {"text": parse_text, "markdown": parse_markdown, "html": parse_html, "twee": parse_twee}[form]
    draft.vignettes = reader(text, draft)
    if archive:  # places in the page inside the archive are not places in the file
        draft.url = draft.url or _work_address(archive[1])
        for v in draft.vignettes:
            v.at, v.places = (0, 0), [(0, 0)] * len(v.places)
        draft.warnings = [replace(d, line=0, col=0) for d in draft.warnings]
    if not draft.branching:
        empty = [v for v in draft.vignettes if not v.paragraphs]  # `## A` with nothing under it
        if empty:
            draft.dropped.append("heading" + "s" * (len(empty) > 1) + " with no text under " + ("them" if len(empty) > 1
                                 else "it") + ": " + ", ".join(f"“{_cut(v.title, 40)}”" for v in empty[:6]))
            draft.vignettes = [v for v in draft.vignettes if v.paragraphs]
        _drop_end_notes(draft.vignettes, draft)
    if not draft.vignettes:
        raise refuse("E406", name, f"found no story text (read as {_FORM_NAMES[form]})",
                     "check the file, or say its form with --from text|markdown|html|twee")
    if not draft.title:
        draft.title = re.sub(r"[_-]+", " ", stem).strip() or "Untitled"
        draft.dropped.append(f"no title in the file: the title is the file's name, “{draft.title}”")
    for i, v in enumerate(draft.vignettes, 1):
        if not v.title:
            v.title, v.heading = f"Part {i}", False
    return draft


# -- writing YAML -----------------------------------------------------------------------------

# what YAML prints as it is: no control characters, no line separators (NEL, U+2028, U+2029), no BOM
_YAML_PRINTABLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}


def scalar(text: str) -> str:
    """A string as a YAML scalar that reads back as exactly the same string."""
    if (text and text[0].isalpha() and text.lower() not in _YAML_WORDS and _YAML_PRINTABLE.fullmatch(text)
            and not re.search(r":(?:\s|$)|\s#|\s$", text)):
        return text
    if _YAML_PRINTABLE.fullmatch(text):
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escape(ch) for ch in text) + '"'


def _escape(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    if ch == "\n":
        return "\\n"
    if _YAML_PRINTABLE.fullmatch(ch):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def slug(text: str) -> str:
    """A heading as a lowercase ASCII slug, transliterated where Unicode can; '' if nothing is left."""
    ascii_ = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss").replace("æ", "ae").replace("ø", "o")
                                   .replace("œ", "oe").replace("đ", "d").replace("ł", "l").replace("þ", "th"))
    ascii_ = ascii_.encode("ascii", "ignore").decode("ascii").lower().replace("'", "")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")
    while len(words) > 64:
        words = words[:64].rsplit("-", 1)[0] if "-" in words[:64] else words[:64]
    return words


def yaml_ambiguous(word: str) -> bool:
    """A slug that YAML 1.1 reads as a boolean, null, number or date."""
    return word in _YAML_WORDS or bool(re.fullmatch(r"0b[01]+|0x[0-9a-f]+|[0-9]+|\d{4}-\d\d?-\d\d?", word))


def scene_ids(vignettes: list[Vignette]) -> list[str]:
    ids: list[str] = []
    taken: set[str] = set()  # a Twine story may have tens of thousands of scenes
    for i, v in enumerate(vignettes, 1):
        base = slug(v.title) if v.heading else ""
        if not base or yaml_ambiguous(base):
            base = f"scene-{i}" if not base else f"scene-{base}"[:64].strip("-")
        candidate, n = base, 2
        while candidate in taken:
            suffix = f"-{n}"
            candidate = base[: 64 - len(suffix)].strip("-") + suffix
            n += 1
        ids.append(candidate)
        taken.add(candidate)
    return ids


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip() + "…"


@dataclass
class Plan:
    """The files to write, in order, and what the report says."""

    files: dict[str, str]
    draft: Draft
    ids: list[str]
    problems: list[Diagnostic] = field(default_factory=list)  # what stops the drafts being written


def plan(draft: Draft, schemas: str, source: str = "") -> Plan:
    ids = scene_ids(draft.vignettes)
    width = max(2, len(str(len(ids))))
    files: dict[str, str] = {"story.yaml": _story_yaml(draft, ids[0], schemas)}
    problems = []
    for n, (v, scene_id) in enumerate(zip(draft.vignettes, ids)):
        title = v.title
        if len(title) > 200:
            draft.dropped.append(f"the end of a heading over 200 characters ({_quote(title)})")
            title = _cut(title, 200)
        lines = [f"# yaml-language-server: $schema={schemas}/scene.schema.json",
                 f"id: {scene_id}", f"title: {scalar(title)}", "text:"]
        lines += [f"  - {scalar(p)}" for p in v.paragraphs]
        if v.options:  # a Twine passage's links: a choice the reader must make
            lines += ["choices:", "  options:"]
            for text, target in v.options:
                lines += [f"    - text: {scalar(text)}", f"      goto: {ids[target]}"]
        elif n + 1 < len(ids) and not draft.branching:
            lines.append(f"next: {ids[n + 1]}")
        body = "\n".join(lines) + "\n"
        name = f"{str(n + 1).zfill(width)}-{scene_id}.yaml"
        size = len(body.encode("utf-8"))
        longest = max((len(p) for p in v.paragraphs), default=0)
        if size > MAX_SCENE_BYTES or len(v.paragraphs) > MAX_PARAGRAPHS:
            problems.append(Diagnostic(
                source, *v.at, "E407", f"vignette {n + 1} “{_cut(v.title, 60)}” is too long to be one scene "
                f"({size:,} bytes, {len(v.paragraphs):,} paragraphs; a scene file holds at most "
                f"{MAX_SCENE_BYTES:,} bytes and {MAX_PARAGRAPHS:,} paragraphs)", ERROR,
                "split it in the source with a separator line (* * *) or a heading, then adapt again"))
        elif longest > MAX_PARAGRAPH:
            at = v.places[[len(p) for p in v.paragraphs].index(longest)] if v.places else v.at
            problems.append(Diagnostic(
                source, *at, "E408", f"a paragraph of {longest:,} characters in vignette {n + 1} "
                f"“{_cut(v.title, 60)}”; a paragraph holds at most {MAX_PARAGRAPH:,}", ERROR,
                "split that paragraph in the source with a blank line, then adapt again"))
        files[name] = body
    return Plan(files, draft, ids, problems)


def _story_yaml(draft: Draft, start: str, schemas: str) -> str:
    story_id = slug(draft.title) or "story"
    if yaml_ambiguous(story_id):
        story_id = f"story-{story_id}"[:64].strip("-")
    title = _cut(draft.title, 200)
    lines = [f"# yaml-language-server: $schema={schemas}/story.schema.json",
             f"id: {story_id}", f"title: {scalar(title)}"]
    author = _cut(draft.author, 200)
    if author:
        lines.append(f"author: {scalar(author)}")
    if draft.summary:
        summary = _cut(draft.summary, 4000)
        if summary != draft.summary:
            draft.dropped.append("the end of a summary over 4,000 characters")
        lines.append(f"summary: {scalar(summary)}")
    if draft.language:
        lines.append(f"language: {scalar(draft.language)}")
    source = [("title", _cut(draft.title, 300)), ("author", author), ("url", draft.url if len(draft.url) <= 2000 else "")]
    if draft.author or draft.url:
        lines.append("source:")
        lines += [f"  {key}: {scalar(value)}" for key, value in source if value]
    lines.append(f"start: {start}")
    notes = draft.content_notes[:50]
    if notes:
        lines.append("content_notes:")
        lines += [f"  - {scalar(note)}" for note in notes]
    else:
        lines.append("content_notes: []")
    return "\n".join(lines) + "\n"


# -- the command -------------------------------------------------------------------------


def adapt(source: Path, folder: Path, form: Optional[str] = None, force: bool = False,
          dry_run: bool = False, story: str = "", strict: bool = False) -> tuple[Plan, list[Path]]:
    """Read `source`, and unless dry_run write its drafts into `folder`; AdaptError on any refusal
    (with `strict`, on any warning too)."""
    draft = read(source, form, story)
    if strict and draft.warnings:
        raise AdaptError(draft.warnings)
    _check_folder(folder, force, dry_run)
    result = plan(draft, "schemas", str(source))
    if result.problems:
        raise AdaptError(result.problems)
    if dry_run:
        return result, []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():  # --force: the old drafts go, so no stale scene is left behind
            if _is_draft(old):
                old.unlink()
        result = plan(draft, scaffold.schemas_ref(folder), str(source))
        written = []
        for name, body in result.files.items():
            target = folder / name
            target.write_bytes(body.encode("utf-8"))
            written.append(target)
    except OSError as e:
        where = e.filename if isinstance(e.filename, str) else str(folder)
        raise refuse("E411", where, f"cannot write the drafts: {e.strerror or e}",
                     "name a folder you can write to with -o (check its permissions and free space)") from None
    return result, written


def _check_folder(folder: Path, force: bool, dry_run: bool) -> None:
    """The folder named with -o must be new, empty, or given with --force."""
    try:
        if folder.exists() and not folder.is_dir():
            raise refuse("E410", folder, "this is a file, not a folder", "name a new folder with -o")
        if folder.is_dir() and any(folder.iterdir()) and not force and not dry_run:
            raise refuse("E409", folder, "the folder is not empty",
                         "name a new folder, or add --force to replace the drafts adapt wrote there")
        if folder.is_dir() and force and not dry_run:
            foreign = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not _is_draft(p))
            if foreign:
                raise refuse("E409", folder, f"the folder holds YAML that adapt did not write ({', '.join(foreign[:3])}"
                             f"{', …' if len(foreign) > 3 else ''}), which would be read as scenes; --force "
                             "replaces only earlier drafts", "name a new folder, or move those files out first")
    except OSError as e:
        raise refuse("E411", folder, f"cannot use the folder: {e.strerror or e}",
                     "name a folder you can read and write with -o") from None


def _is_draft(path: Path) -> bool:
    """A file an earlier `adapt` (or an author from its drafts) made: story.yaml or a scene with the modeline."""
    if not path.is_file() or path.is_symlink() or path.suffix not in (".yaml", ".yml"):
        return False
    if path.name == "story.yaml":
        return True
    with open(path, "rb") as f:
        return f.readline().startswith(b"# yaml-language-server: $schema=") and re.match(r"\d+-", path.name) is not None


def report_data(result: Plan, source: Path, folder: Path, dry_run: bool) -> dict:
    """The report as data, for `--format json`: what was found, each scene file, what was left out."""
    d = result.draft
    names = [n for n in result.files if n != "story.yaml"]
    return {
        "source": str(source), "form": d.form, "folder": str(folder), "written": not dry_run,
        "title": d.title, "author": d.author, "summary": d.summary, "content_notes": d.content_notes,
        "language": d.language, "url": d.url,
        "scenes": [{"file": name, "id": scene_id, "title": v.title, "heading": v.heading,
                    "paragraphs": len(v.paragraphs), "line": v.at[0]}
                   for name, scene_id, v in zip(names, result.ids, d.vignettes)],
        "left_out": d.dropped,
    }


def report(result: Plan, source: Path, folder: Path, dry_run: bool) -> str:
    d = result.draft
    verb = "would write" if dry_run else "wrote"
    word = "passage" if d.branching else "vignette"
    out = [f"{source}: {_FORM_NAMES[d.form]}, {len(d.vignettes)} {word}{'s' * (len(d.vignettes) != 1)}"]
    out.append(f"  title:         {d.title}")
    out.append(f"  author:        {d.author or '(none in the file)'}")
    out.append(f"  summary:       {_quote(d.summary, 60) if d.summary else '(none in the file)'}")
    out.append(f"  content notes: {', '.join(d.content_notes) if d.content_notes else '(none in the file)'}")
    if d.language:
        out.append(f"  language:      {d.language}")
    if d.url:
        out.append(f"  source:        {d.url}")
    out.append(f"scenes ({verb} to {folder}/):")
    names = [n for n in result.files if n != "story.yaml"]
    width = max(map(len, names), default=0)
    for name, v in zip(names, d.vignettes):
        kind = "" if v.heading else ", no heading"
        if d.branching:
            kind = f", {len(v.options)} option{'s' * (len(v.options) != 1)}" if v.options else ", an ending"
        out.append(f"  {name:<{width}}  {v.title} ({len(v.paragraphs)} paragraph{'s' * (len(v.paragraphs) != 1)}{kind})")
    if d.dropped:
        out.append("left out:")
        out += [f"  - {item}" for item in d.dropped]
    if not dry_run:
        out.append(f"next: vignettes validate {folder} && vignettes play {folder}")
    return "\n".join(out) + "\n"
