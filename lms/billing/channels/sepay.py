"""SePay (domain/payments.md §6; a bank feed confirming VietQR transfers) — everything about
SePay's webhook in one place: its key (`Authorization: Apikey <key>`), reading its one statement
line per call, and its answers. The shared path — logging, refusing, recording the credit once —
is `lms.billing.callbacks.bank_feed`, which calls every feed (`registry.FEEDS`) the same way:
`refusal` (None when authentic), `transfer` (the credit, None for a debit, ValueError when
malformed) and the `OK` / `MALFORMED` answers."""
from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from lms.billing import matching
from lms.billing.callbacks import _when
from lms.billing.checkouts import feed_amount

PROVIDER = "sepay"
CREDENTIAL = "Authorization"          # the header that carries the school's key
OK = {"success": True}
MALFORMED = {"success": False, "message": "id (or referenceCode), transferAmount (whole VND) and transferType required"}


def refusal(credential: str | None, raw: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """None when the call carries the school's API key, else why it is refused."""
    key = secrets.get("api_key", "")
    given = (credential or "").removeprefix("Apikey ").strip()
    if not key or not hmac.compare_digest(key.encode(), given.encode()):
        return "bad api key"
    return None


def transfer(raw: bytes, now: datetime) -> matching.TransferIn | None:
    """The credit SePay reports (None for a debit or nothing); ValueError, KeyError or TypeError
    when the body is not SePay's."""
    body = json.loads(raw)
    if "id" not in body:                  # the key is required; its value may be null (`_txn_id`)
        raise KeyError("id")
    amount = feed_amount(body["transferAmount"])
    if body.get("transferType") != "in" or amount <= 0:
        return None
    txn_id = _txn_id(body)
    return matching.TransferIn(
        PROVIDER, txn_id, amount, str(body.get("content") or body.get("description") or ""),
        _when(body.get("transactionDate"), now), bank_reference=str(body.get("referenceCode") or ""),
        account_number=str(body.get("accountNumber") or ""), code=body.get("code"),
        # SePay sends no payer field: the bank wrote the sender's name in its own text.
        counter_name=matching.payer_in_memo(str(body.get("description") or "")))


def _txn_id(body: dict) -> str:
    """SePay's id of the line; without one (null, empty), the bank's reference stands for it —
    "ref:<reference>", so the same transfer redelivered is recognised and two id-less lines are
    never one — and without either the notification is malformed (a 400, never a silent 200)."""
    value = body["id"]
    if value is not None and not isinstance(value, (bool, dict, list)) and str(value).strip():
        return str(value)
    reference = matching.normal_reference(str(body.get("referenceCode") or ""))
    if not reference:
        raise ValueError("id")
    return f"ref:{reference}"
