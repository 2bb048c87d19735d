"""Server-to-server JSON calls to the providers we speak to (payment gateways, remote signing,
Zalo and SMS): one place that sends, reads the JSON answer and says what went wrong.

`call_json` never raises for the network: an HTTP error answers its status and JSON body; an
unreachable server answers 599 with `reached` false; a timeout answers 599 with `reached` true,
since the request may have arrived (a message may have been sent, so it is not re-sent blindly).
Each area answers its local sandbox's URLs in process before calling this."""
from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

UNREACHED = 599


@dataclass
class Reply:
    status: int
    data: dict = field(default_factory=dict)
    reached: bool = True


def _json(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def call_json(method: str, url: str, *, body: bytes | dict | None = None, headers: dict[str, str] | None = None,
              timeout: float = 10) -> Reply:
    """Send `body` (a dict is sent as JSON) to `url` and read the JSON answer."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    # Only http(s): never file:, ftp: … from a bad setting (so urlopen below is safe to allow).
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) address: {url.split('?')[0]}")
    request = urllib.request.Request(url, data=body or None, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310  # nosec B310
            return Reply(answer.status, _json(answer.read()))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, _json(exc.read()))
    except (TimeoutError, socket.timeout):
        log.warning("provider call timed out: %s %s", method, url.split("?")[0])
        return Reply(UNREACHED, {}, True)
    except (urllib.error.URLError, ValueError, OSError) as exc:
        log.warning("provider call failed: %s %s: %s", method, url.split("?")[0], type(exc).__name__)
        return Reply(UNREACHED, {}, False)
