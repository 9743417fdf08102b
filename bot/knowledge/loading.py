"""Reads the YAML data files that ship inside the package."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


@cache
def load_yaml(path: Path) -> Any:
    """Parse one YAML file once per process."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_data(name: str) -> Any:
    """``data/<name>.yml`` of the knowledge package."""
    return load_yaml(DATA_DIR / f"{name}.yml")
