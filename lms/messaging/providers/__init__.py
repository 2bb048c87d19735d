"""The providers' published APIs as requests to build and answers to read; the HTTP call itself
is the sender's transport (the local sandbox answers it in the demo and the tests)."""
from __future__ import annotations

from dataclasses import dataclass


class Kind:
    ACCEPTED = "accepted"      # the provider took it
    REJECTED = "rejected"      # refused for good: this recipient (fall back) or the school's set-up
    RETRY = "retry"            # refused for now: try again later
    TOKEN = "token"            # the access token is no longer valid: refresh it, then try again
    AMBIGUOUS = "ambiguous"    # no answer: it may or may not have been taken


@dataclass(frozen=True)
class Outcome:
    kind: str
    code: str = ""
    text: str = ""
    provider_id: str | None = None
    setup: bool = False        # a refusal the school must fix (credentials, template, quota)


DELIVERED, PENDING, UNDELIVERED = "delivered", "pending", "undelivered"


@dataclass(frozen=True)
class DeliveryStatus:
    """What a provider's status API said of one accepted message: delivered (when, in ms since
    the epoch, if it said), still on its way, or never to arrive; or an Outcome kind (retry,
    token) when the question itself failed."""
    state: str
    delivered_ms: int | None = None
    text: str = ""
