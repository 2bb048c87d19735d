"""Reading an official PDF as its signer would: the text of each page (pdftotext), and the two
checks every official document must pass — its required parts are there, and no table row is
split across a page break."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace squashed (a wrapped line reads as one)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return [re.sub(r"\s+", " ", page).strip() for page in out.split("\f") if page.strip()]


def text(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def page_of(texts: list[str], needle: str) -> list[int]:
    needle = re.sub(r"\s+", " ", needle).strip()
    return [i for i, page in enumerate(texts) if needle in page]


def assert_row_whole(texts: list[str], first: str, *rest: str) -> int:
    """A table row printed once and whole: `first` (its unique key, such as a pupil's name) on one
    page only, and every other cell text of the row on that same page."""
    found = page_of(texts, first)
    assert len(found) == 1, f"{first!r} on pages {found}"
    for part in rest:
        assert part and re.sub(r"\s+", " ", part).strip() in texts[found[0]], \
            f"row of {first!r}: {part!r} is not on its page {found[0] + 1}"
    return found[0]
