"""Diagnostics and the one exception root.

Validation collects Diagnostics and never raises for an author's mistake;
EngineError is for input that cannot be read at all and for misuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place; line and col are 1-based (0 when unknown)."""

    file: str
    line: int
    col: int
    code: str
    message: str
    severity: str = ERROR
    hint: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def concise(self) -> str:
        place = f":{self.line}:{self.col}" if self.line >= 1 else ""  # line 0: about the whole file
        return f"{self.file}{place}: {self.severity}[{self.code}] {self.message}"


class EngineError(Exception):
    """The root of every error the engine raises on purpose.

    It may carry Diagnostics so that a shell can show where the trouble is.
    """

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...] = ()):
        super().__init__(message)
        self.message = message
        self.diagnostics = tuple(diagnostics)
