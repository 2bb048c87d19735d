"""Casso (domain/payments.md §6; a bank feed confirming VietQR transfers) — everything about
Casso's webhook v2 in one place: its signature (header t=<ms>,v1=<HMAC-SHA512 hex>; pure,
CONTRACTS.md), reading its credit, and its answers, called by the shared feed path
(`lms.billing.callbacks.bank_feed`) as every feed is: `refusal`, `transfer`, `OK`, `MALFORMED`."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone

from lms.billing import matching
from lms.billing.callbacks import _when
from lms.billing.channels import SHA512, hmac_hex, same_hex
from lms.billing.checkouts import feed_amount

PROVIDER = "casso"
CREDENTIAL = "X-Casso-Signature"
TOLERANCE_S = 300                      # how old a signed call may be
OK = {"error": 0}
MALFORMED = {"error": 1, "message": "data.id and data.amount (whole VND) required"}

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


def refusal(credential: str | None, raw: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """None when the body is Casso's, signed with the school's checksum key within the tolerance."""
    try:
        body = json.loads(raw)
    except ValueError:
        return "malformed"
    now_ms = int(now.astimezone(timezone.utc).timestamp() * 1000)
    if not isinstance(body, dict) or not verify_signature(credential or "", body, secrets.get("checksum_key", ""),
                                                          TOLERANCE_S, now_ms):
        return "bad signature"
    return None


def transfer(raw: bytes, now: datetime) -> matching.TransferIn | None:
    """The credit Casso reports (None for a debit); ValueError, KeyError or TypeError when its
    `data` is not Casso's."""
    data = json.loads(raw).get("data")
    txn_id, amount = str(data["id"]), feed_amount(data["amount"])
    if amount <= 0:
        return None
    return matching.TransferIn(
        PROVIDER, txn_id, amount, str(data.get("description") or ""), _when(data.get("transactionDateTime"), now),
        bank_reference=str(data.get("reference") or ""), counter_name=str(data.get("counterAccountName") or ""),
        counter_account=str(data.get("counterAccountNumber") or ""), account_number=str(data.get("accountNumber") or ""))
