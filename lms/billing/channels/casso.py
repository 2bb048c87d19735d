"""Casso webhook v2 signature (domain/payments.md §6): header t=<ms>,v1=<HMAC-SHA512 hex>."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping

from lms.billing.channels import SHA512, hmac_hex, same_hex

HEADER = re.compile(r"^\s*t=(\d{1,16})\s*,\s*v1=([0-9a-fA-F]{128})\s*$")


def verify_signature(header: str, body: Mapping[str, object], checksum_key: str, tolerance_s: int | None = None,
                     now_ms: int | None = None) -> bool:
    """v1 = HMAC-SHA512 over "<t>." + the body as compact JSON with keys sorted at every depth."""
    match = HEADER.match(header or "") if isinstance(header, str) else None
    if match is None:
        return False
    timestamp, given = int(match.group(1)), match.group(2)
    if tolerance_s is not None:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        if abs(now - timestamp) > tolerance_s * 1000:
            return False
    message = f"{match.group(1)}." + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return same_hex(hmac_hex(SHA512, checksum_key, message), given)
