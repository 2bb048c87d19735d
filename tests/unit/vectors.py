"""Locating the public test vectors in ../shared/vectors (or LMS_VECTORS_DIR)."""
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load(name: str) -> dict:
    folder = pathlib.Path(os.environ.get("LMS_VECTORS_DIR", ROOT.parent / "shared" / "vectors"))
    path = folder / name
    if not path.exists():
        pytest.skip(f"public vectors not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))
