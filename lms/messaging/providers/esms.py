"""SMS brand-name messages through eSMS (ViHAT) as published.

Sending (https://developers.esms.vn/en/esms-api/send-sms-api/send-otp-customer-care-message): POST
`https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/` with JSON `ApiKey`,
`SecretKey`, `Phone`, `Content`, `Brandname`, `SmsType` ("2": customer care), `IsUnicode` ("0"),
`Sandbox` ("0"), `RequestId` (eSMS refuses a RequestId it has seen with code 124, so a retry
after a lost answer is never sent twice) and `CallbackUrl`. The answer is
`{"CodeResult": "100", "CountRegenerate": 0, "SMSID": "…"}`; "100" only means eSMS took it.

Delivery report (https://developers.esms.vn/en/esms-api/callback-url): HTTP GET to the CallbackUrl
with `SMSID`, `SendStatus` (1 waiting for approval, 2 waiting to send, 4 rejected, 5 sent,
7 sent to the network and waiting for its report), `SendSuccess`, `SendFailed`, `TotalPrice`,
`RequestId`, `TypeId`, `telcoid`, `phonenumber`; retried up to 5 times. eSMS signs nothing, so
the URL carries a random token per school and only updates a message of that school.

Delivery status (for an SMS whose callback never came; https://developers.esms.vn/en/esms-api/
retrive-and-register-functions/get-sms-by-smsid, messages of the last 7 days): GET
`https://rest.esms.vn/MainService.svc/json/GetSendStatus?RefId=<SMSID>&ApiKey=…&SecretKey=…` →
`{"CodeResponse": "100", "SMSID", "SendStatus", "SendSuccess", "SendFailed", "TotalPrice",
"TotalReceiver", "TotalSent"}`, SendStatus as in the callback. Assumed: any other CodeResponse
(eSMS does not publish them for this call) means the question failed and is asked again later.

Error codes (https://developers.esms.vn/en/esms-api/table-of-error-codes): below, with what the sender does.
"""
from __future__ import annotations

from urllib.parse import urlencode

from lms.messaging.providers import DELIVERED, PENDING, UNDELIVERED, DeliveryStatus, Kind, Outcome

SEND_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
STATUS_URL = "https://rest.esms.vn/MainService.svc/json/GetSendStatus"
STATUS_PATH = "/MainService.svc/json/GetSendStatus"

CODES: dict[str, tuple[str, str]] = {
    "99": ("The phone number is blocked in the system", "recipient"),
    "101": ("Incorrect ApiKey or SecretKey", "setup"),
    "102": ("No price list available", "setup"),
    "103": ("Not enough balance to send message", "setup"),
    "104": ("Brandname does not exist", "setup"),
    "108": ("Phone number is not in correct format", "recipient"),
    "118": ("Unsupported message type", "setup"),
    "140": ("IP is not whitelisted for sending messages", "setup"),
    "146": ("Wrong customer care template", "setup"),
    "177": ("The network is not registered", "recipient"),
}


def send_body(api_key: str, secret_key: str, phone: str, content: str, brandname: str, request_id: str,
              callback_url: str) -> dict[str, str]:
    return {"ApiKey": api_key, "SecretKey": secret_key, "Phone": phone, "Content": content, "Brandname": brandname,
            "SmsType": "2", "IsUnicode": "0", "Sandbox": "0", "RequestId": request_id, "CallbackUrl": callback_url}


def read_send_answer(status: int, answer: dict) -> Outcome:
    if status >= 500 or status == 429:
        return Outcome(Kind.RETRY, f"http {status}", "")
    code = str(answer.get("CodeResult") or "")
    text = str(answer.get("ErrorMessage") or "")[:300]
    if code == "100":
        return Outcome(Kind.ACCEPTED, code, "", str(answer.get("SMSID") or "") or None)
    if code == "124":   # this RequestId was taken before: the earlier try reached eSMS
        return Outcome(Kind.ACCEPTED, code, "Duplicate RequestId", None)
    if not code:
        return Outcome(Kind.RETRY, f"http {status}", "unreadable answer")
    known, category = CODES.get(code, (text or code, "recipient"))
    return Outcome(Kind.REJECTED, code, text or known, setup=category == "setup")


def _delivered(fields) -> bool | None:
    """What SendStatus, SendSuccess and SendFailed (of a callback or a status answer) say: True
    delivered, False refused or failed, None while eSMS still waits for the network."""
    status = str(fields.get("SendStatus") or "")

    def count(name: str) -> int:
        try:
            return int(float(fields.get(name) or 0))
        except (TypeError, ValueError):
            return 0

    if status == "4":
        return False
    if status != "5":
        return None
    if count("SendSuccess") > 0:
        return True
    return False if count("SendFailed") > 0 else None


def read_callback(args) -> tuple[str, str, bool | None]:
    """(SMSID, RequestId, delivered) from a delivery report; delivered is None while eSMS still
    waits for the network."""
    return str(args.get("SMSID") or ""), str(args.get("RequestId") or ""), _delivered(args)


def status_query(api_key: str, secret_key: str, smsid: str) -> str:
    """The query string of the delivery-status call."""
    return urlencode({"RefId": smsid, "ApiKey": api_key, "SecretKey": secret_key})


def read_status_answer(status: int, answer: dict) -> DeliveryStatus:
    if status >= 500 or status == 429:
        return DeliveryStatus(Kind.RETRY, text=f"http {status}")
    code = str(answer.get("CodeResponse") or answer.get("CodeResult") or "")
    if code != "100":
        return DeliveryStatus(Kind.RETRY, text=str(answer.get("ErrorMessage") or code or f"http {status}")[:300])
    delivered = _delivered(answer)
    if delivered is None:
        return DeliveryStatus(PENDING)
    return DeliveryStatus(DELIVERED if delivered else UNDELIVERED)


def callback_args(smsid: str, request_id: str, phone: str, delivered: bool, price: int) -> dict[str, str]:
    """A delivery report as eSMS sends it for a customer-care SMS (the sandbox sends this)."""
    return {"SMSID": smsid, "SendFailed": "0" if delivered else "1", "SendStatus": "5",
            "SendSuccess": "1" if delivered else "0", "TotalPrice": f"{price if delivered else 0}.0000",
            "TotalReceiver": "1", "TotalSent": "1", "RequestId": request_id, "TypeId": "2", "telcoid": "1",
            "phonenumber": phone, "switchsmsid": ""}
