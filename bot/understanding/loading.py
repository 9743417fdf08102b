"""Reads the YAML data files of the understanding package."""

from pathlib import Path
from typing import Any

from bot.knowledge.loading import load_yaml

DATA_DIR = Path(__file__).parent / "data"


def load_data(name: str) -> Any:
    """``data/<name>.yml`` of the understanding package, parsed once per process."""
    return load_yaml(DATA_DIR / f"{name}.yml")
