"""Where the bundled schemas and story live, installed or in a checkout.

The wheel carries them as the data-only packages `engine.schemas` and
`engine.scenes`; a plain checkout has them beside the package.
"""

from __future__ import annotations

import importlib
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder of `schemas` or `scenes` as a real path."""
    try:
        # A folder without __init__.py is a namespace package: its __path__ holds real folders.
        for entry in importlib.import_module(f"engine.{name}").__path__:
            if Path(entry).is_dir():
                return Path(entry)
    except ModuleNotFoundError:
        pass
    return _CHECKOUT / name


def schema_path(kind: str) -> Path:
    return data_dir("schemas") / f"{kind}.schema.json"


def bundled_story() -> Path:
    return data_dir("scenes")
