"""Local imitations of the providers, for the demo and the tests only (LMS_PAYMENT_SANDBOX):
they build and sign callbacks exactly as SePay, Casso and the gateways do, so what reaches the
app is indistinguishable from the real thing except for the keys.

Here: the bank feeds' webhooks (SePay, Casso); `vnpay.py`, `momo.py`, `payos.py`, `wallet.py`
(the Mobile Money aggregator) play each gateway's pages and APIs; `store.py` keeps the pretend
providers' own records (what they answer a status query with) in a small SQLite file of the
sandbox's own under the instance folder — never in the school's database, whose schema has no
sandbox table (tests/unit/test_sandbox_schema.py)."""
from __future__ import annotations

import json
import secrets
from datetime import datetime

from lms.billing.channels import SHA512, hmac_hex
from lms.core.timeutil import school_tz, utc_to_local


def sepay_transfer(api_key: str, *, amount: int, content: str, account: str, when: datetime,
                   txn_id: int | None = None, gateway: str = "BIDV") -> tuple[dict[str, str], bytes]:
    """One SePay webhook call for a credit to `account`: (headers, body)."""
    txn_id = txn_id or secrets.randbelow(10**9)
    body = {"id": txn_id, "gateway": gateway, "transactionDate": f"{utc_to_local(when, school_tz()):%Y-%m-%d %H:%M:%S}",
            "accountNumber": account, "subAccount": None, "code": None, "content": content,
            "transferType": "in", "description": f"BankAPINotify {content}", "transferAmount": amount,
            "accumulated": 0, "referenceCode": f"FT{secrets.randbelow(10**10):010d}"}
    return {"Authorization": f"Apikey {api_key}", "Content-Type": "application/json"}, json.dumps(body).encode()


def casso_transfer(checksum_key: str, *, amount: int, content: str, account: str, when: datetime, payer: str = "",
                   txn_id: int | None = None) -> tuple[dict[str, str], bytes]:
    """One Casso webhook v2 call: (headers, body), signed `t=<ms>,v1=<HMAC-SHA512>`."""
    body = {"error": 0, "data": {
        "id": txn_id or secrets.randbelow(10**9), "reference": f"FT{secrets.randbelow(10**10):010d}",
        "description": content, "amount": amount, "runningBalance": 0,
        "transactionDateTime": f"{utc_to_local(when, school_tz()):%Y-%m-%d %H:%M:%S}", "accountNumber": account,
        "bankName": "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", "bankAbbreviation": "BIDV",
        "virtualAccountNumber": "", "virtualAccountName": "", "counterAccountName": payer,
        "counterAccountNumber": "", "counterAccountBankId": "", "counterAccountBankName": ""}}
    t = str(int(when.timestamp() * 1000))
    signed = f"{t}." + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return ({"X-Casso-Signature": f"t={t},v1={hmac_hex(SHA512, checksum_key, signed)}",
             "Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False).encode())


def transfer_call(via: str, keys: dict[str, str], *, amount: int, content: str, account: str, when: datetime,
                  payer: str = "") -> tuple[dict[str, str], bytes]:
    """The webhook call SePay or Casso would make for one incoming transfer."""
    if via == "sepay":
        return sepay_transfer(keys["api_key"], amount=amount, content=content, account=account, when=when)
    return casso_transfer(keys["checksum_key"], amount=amount, content=content, account=account, when=when, payer=payer)
