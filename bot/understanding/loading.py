"""Reads the YAML data files of the understanding package."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


@cache
def load_data(name: str) -> Any:
    """Parse ``data/<name>.yml`` once per process."""
    with (DATA_DIR / f"{name}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
