"""The public test vectors: ../shared/vectors when it sits beside the repository (the newest),
else LMS_VECTORS_DIR, else the copy kept in tests/vectors so that every clone runs them."""
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANDIDATES = [os.environ.get("LMS_VECTORS_DIR"), ROOT.parent / "shared" / "vectors", ROOT / "tests" / "vectors"]


def path_of(name: str) -> pathlib.Path:
    for folder in CANDIDATES:
        if folder and (pathlib.Path(folder) / name).exists():
            return pathlib.Path(folder) / name
    raise FileNotFoundError(f"public vector file {name} not found in {CANDIDATES}")


def load(name: str) -> dict:
    return json.loads(path_of(name).read_text(encoding="utf-8"))


def by_category(file: str):
    """A decorator factory: `@vectors("vnpay.sign")` parametrises a test with that category's vectors."""
    import pytest

    categories = load(file)["categories"]

    def vectors(category: str):
        items = categories[category]["vectors"]
        return pytest.mark.parametrize("vector", items, ids=[v["id"] for v in items])

    return vectors
