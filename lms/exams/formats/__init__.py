"""Question import formats (domain/exams.md §15). `gift.parse` and `aiken.parse` are contract functions."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


class FormatError(ValueError):
    """The first error of a file: `line` is its line number (from 1), `reason` says what is wrong."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class ImportedAnswer:
    text: str
    fraction: float
    feedback: str | None = None
    tolerance: float | None = None
    match: str | None = None


@dataclass
class ImportedQuestion:
    qtype: str
    name: str | None
    text: str
    answers: list[ImportedAnswer] = field(default_factory=list)
    general_feedback: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    guide: str | None = None    # an essay's marking guide, for the teacher (the Word key's text for it)
    mark: str | None = None     # the marks the file gives the question ("0,5"), as written; None: the import's


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """Lines numbered from 1, after dropping a BOM and normalising to NFC; \\r\\n and \\r break lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = unicodedata.normalize("NFC", text)
    return list(enumerate(re.split(r"\r\n|\r|\n", text), start=1))
