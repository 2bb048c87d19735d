"""The list of Vietnamese banks and their NAPAS BINs (domain/bank_bins.csv, copied into the package)."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

BANKS_CSV = Path(__file__).with_name("bank_bins.csv")


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str


@functools.lru_cache(maxsize=1)
def banks() -> tuple[Bank, ...]:
    with BANKS_CSV.open(encoding="utf-8") as fh:
        return tuple(Bank(r["bin"], r["short_name"], r["name"]) for r in csv.DictReader(fh))


def bank_by_bin(bin_code: str | None) -> Bank | None:
    return next((b for b in banks() if b.bin == bin_code), None)
