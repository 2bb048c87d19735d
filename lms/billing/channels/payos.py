"""payOS payment-link signatures (domain/payments.md §5): HMAC-SHA256 with the checksum key."""
from __future__ import annotations

import json
from collections.abc import Mapping

from lms.billing.channels import SHA256, hmac_hex


def sign_payment_request(amount: int, cancel_url: str, description: str, order_code: int, return_url: str,
                         checksum_key: str) -> str:
    raw = (f"amount={amount}&cancelUrl={cancel_url}&description={description}&orderCode={order_code}"
           f"&returnUrl={return_url}")
    return hmac_hex(SHA256, checksum_key, raw)


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def sign_data(data: Mapping[str, object], checksum_key: str) -> str:
    """Webhook and response data: keys sorted, None → "", booleans true/false, lists as JSON."""
    raw = "&".join(f"{k}={_value(data[k])}" for k in sorted(data))
    return hmac_hex(SHA256, checksum_key, raw)
