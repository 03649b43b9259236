"""Write small story folders for tests from a mapping of file name -> text."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Union


def write_story(folder: Path, files: Mapping[str, Union[str, bytes]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder
