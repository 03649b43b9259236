"""Where the bundled schemas and story live, installed or in a checkout.

The wheel carries them as `engine.schemas` and `engine.scenes`; a plain
checkout has them beside the package.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder of `schemas` or `scenes` as a real path."""
    try:
        found = importlib.resources.files(f"engine.{name}")
        path = Path(str(found))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return _CHECKOUT / name


def schema_path(kind: str) -> Path:
    return data_dir("schemas") / f"{kind}.schema.json"


def bundled_story() -> Path:
    return data_dir("scenes")
