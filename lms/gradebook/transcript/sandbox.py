"""The local imitation of VNPT SmartCA's SP API (moet.md §3.1, "simulator contract"), for the demo
and the tests only (LMS_SIGNING_SANDBOX): the same paths, envelope and field names; subscribers
enrolled in the sandbox CA by ID number (or a school's tax code); a sign request waits until the
subscriber approves it on the sandbox's phone page, then every hash of the batch is signed with
RSASSA-PKCS1-v1_5 over the SHA-256 DigestInfo; a request nobody answers expires after 5 minutes.

What SmartCA's documents do not say is marked: the exact pending, rejected and expired payloads
(ours: message "PENDING", "REJECTED", "EXPIRED" with data.signatures null)."""
from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.gradebook.transcript.models import SandboxTransaction
from lms.gradebook.transcript.pki import SandboxCA, der, sign_digest, subject_text

EXPIRY = timedelta(minutes=5)
# The PIN every sandbox subscriber signs with (README): the phone page refuses any other, as the
# SmartCA app refuses a wrong PIN; refusing, like rejecting, leaves nothing signed.
SANDBOX_PIN = "123456"
SIGNED, REJECTED, WRONG_PIN, GONE = "signed", "rejected", "wrong_pin", "gone"
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
TRANSACTION_ID_MAX = 80        # the widths of the sandbox table's columns
ANSWERS = {"approve": True, "reject": False}   # what the phone page's two buttons send


def envelope(code: int, message: str, data: dict | None = None) -> tuple[int, dict]:
    return (200 if code == 200 else code), {"status_code": code, "message": message, "data": data}


def _credentials_ok(body: dict, sp_id: str, sp_password: str) -> bool:
    return body.get("sp_id") == sp_id and body.get("sp_password") == sp_password


def get_certificate(ca: SandboxCA, body: dict, *, sp_id: str, sp_password: str) -> tuple[int, dict]:
    if not _credentials_ok(body, sp_id, sp_password):
        return envelope(401, "SP_CREDENTIAL_INVALID")
    pair = ca.subscriber(str(body.get("user_id") or ""))
    if pair is None:
        return envelope(401, "SP_CREDENTIAL_INVALID: unknown user_id")
    cert = pair.cert
    return envelope(200, "SUCCESS", {"user_certificates": [{
        "service_type": "SMARTCA", "service_name": "SMARTCA PERSONAL PRO (SANDBOX)", "cert_id": str(uuid.uuid4()),
        "cert_status": "Đang hoạt động", "serial_number": format(cert.serial_number, "x"),
        "cert_subject": subject_text(cert),
        "cert_valid_from": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cert_valid_to": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cert_data": base64.b64encode(der(cert)).decode(),
        "chain_data": {"ca_cert": base64.b64encode(der(pair.chain[0])).decode(),
                       "root_cert": base64.b64encode(der(pair.chain[1])).decode()},
        "transaction_id": body.get("transaction_id")}]})


def sign(session: Session, ca: SandboxCA, body: dict, *, sp_id: str, sp_password: str,
         now: datetime) -> tuple[int, dict]:
    if not _credentials_ok(body, sp_id, sp_password):
        return envelope(401, "SP_CREDENTIAL_INVALID")
    user_id = str(body.get("user_id") or "")
    if ca.subscriber(user_id) is None:
        return envelope(401, "SP_CREDENTIAL_INVALID: unknown user_id")
    transaction_id = str(body.get("transaction_id") or "")
    files = body.get("sign_files")
    if not transaction_id or not isinstance(files, list) or not files:
        return envelope(400, "BAD_REQUEST: transaction_id and sign_files are required")
    if len(transaction_id) > TRANSACTION_ID_MAX or len(str(body.get("serial_number") or "")) > 80:
        return envelope(400, f"BAD_REQUEST: transaction_id and serial_number have at most {TRANSACTION_ID_MAX} characters")
    for f in files:
        if not isinstance(f, dict) or f.get("sign_type") != "hash":
            return envelope(400, "BAD_REQUEST: only sign_type=hash is supported")
        if not HEX_DIGEST.fullmatch(str(f.get("data_to_be_signed") or "")) or not f.get("doc_id"):
            return envelope(400, "BAD_REQUEST: data_to_be_signed must be a SHA-256 hash in hex, doc_id required")
    if session.scalars(select(SandboxTransaction).where(SandboxTransaction.transaction_id == transaction_id)).first():
        return envelope(400, "BAD_REQUEST: transaction_id already used")
    tx = SandboxTransaction(transaction_id=transaction_id, tran_code=str(uuid.uuid4()), user_id=user_id,
                            serial_number=str(body.get("serial_number") or ""),
                            description=str(body.get("transaction_desc") or "")[:200],
                            files=[{"doc_id": str(f["doc_id"]), "data_to_be_signed": f["data_to_be_signed"],
                                    "file_type": str(f.get("file_type") or "")} for f in files],
                            status="waiting", created_at=now)
    session.add(tx)
    session.flush()
    return envelope(200, "sig_wait_for_user_confirm", {"transaction_id": transaction_id, "tran_code": tx.tran_code})


def _find(session: Session, transaction_id: str) -> SandboxTransaction | None:
    return session.scalars(select(SandboxTransaction).where(SandboxTransaction.transaction_id == transaction_id)).first()


def status(session: Session, transaction_id: str, *, now: datetime) -> tuple[int, dict]:
    tx = _find(session, transaction_id)
    if tx is None:
        return envelope(400, "BAD_REQUEST: unknown transaction")
    if tx.status == "signed":
        return envelope(200, "SUCCESS", {"transaction_id": tx.transaction_id, "signatures": tx.signatures})
    if tx.status == "rejected":
        return envelope(200, "REJECTED", {"transaction_id": tx.transaction_id, "signatures": None})
    if now - tx.created_at >= EXPIRY:
        return envelope(200, "EXPIRED", {"transaction_id": tx.transaction_id, "signatures": None})
    return envelope(200, "PENDING", {"transaction_id": tx.transaction_id, "signatures": None})


def pending_for(session: Session, user_id: str, *, now: datetime) -> list[SandboxTransaction]:
    """What the subscriber's phone shows: requests still waiting and not expired."""
    rows = session.scalars(select(SandboxTransaction).where(SandboxTransaction.user_id == user_id,
                                                            SandboxTransaction.status == "waiting")
                           .order_by(SandboxTransaction.id))
    return [t for t in rows if now - t.created_at < EXPIRY]


def answer(session: Session, ca: SandboxCA, transaction_id: str, *, approve: bool, now: datetime,
           pin: str = "") -> str:
    """The subscriber approves with the PIN (every document of the batch is signed) or rejects on
    the phone: SIGNED, REJECTED, WRONG_PIN (still waiting) or GONE (answered or expired)."""
    tx = _find(session, transaction_id) if len(transaction_id) <= TRANSACTION_ID_MAX else None
    if tx is None or tx.status != "waiting" or now - tx.created_at >= EXPIRY:
        return GONE
    if not approve:
        tx.status = "rejected"
        return REJECTED
    if pin.strip() != SANDBOX_PIN:
        return WRONG_PIN
    pair = ca.subscriber(tx.user_id)
    tx.signatures = [{"doc_id": f["doc_id"], "timestamp_signature": None,
                      "signature_value": base64.b64encode(sign_digest(pair.key, bytes.fromhex(f["data_to_be_signed"])))
                      .decode()} for f in tx.files]
    tx.status = "signed"
    return SIGNED


STATUS_PATH = re.compile(r"/v1/signatures/sign/([^/]+)/status")


def dispatch(session: Session, ca: SandboxCA, path: str, body: dict, *, sp_id: str, sp_password: str,
             now: datetime) -> tuple[int, dict]:
    """One call of the SP API by its path (the HTTP routes and the in-process transport share it)."""
    match = STATUS_PATH.fullmatch(path)
    if match:   # the samples poll with an empty body (moet.md §3.1 d)
        return status(session, match.group(1), now=now)
    if not _credentials_ok(body, sp_id, sp_password):
        return envelope(401, "SP_CREDENTIAL_INVALID")
    if path == "/v1/credentials/get_certificate":
        return get_certificate(ca, body, sp_id=sp_id, sp_password=sp_password)
    if path == "/v1/signatures/sign":
        return sign(session, ca, body, sp_id=sp_id, sp_password=sp_password, now=now)
    return envelope(400, "BAD_REQUEST: unknown path")


# ---------------------------------------------------------------- Viettel MySign (moet.md §3.2)
# The same subscribers, transactions and phone page play MySign's API: login for a Bearer token,
# certificates/info, signHash (async=1) and requests/status with MySign's status codes. Ours, as
# the published summary does not give them: the error body {code, message} with the HTTP status,
# the token's form, "VALID"/"ENABLED" in certificates/info and a null `signatures` while waiting.

MYSIGN_CLIENT = ("lms-sandbox", "lms-sandbox-secret")
MYSIGN_WAITING, MYSIGN_OK, MYSIGN_TIMEOUT, MYSIGN_REJECTED = 4000, 1, 4001, 4002


def _mysign_error(http: int, code: int, message: str) -> tuple[int, dict]:
    return http, {"code": code, "message": message}


def _mysign_token(user_id: str) -> str:
    import hashlib
    import hmac

    mac = hmac.new(MYSIGN_CLIENT[1].encode(), user_id.encode(), hashlib.sha256).hexdigest()[:32]
    return f"sbx.{base64.urlsafe_b64encode(user_id.encode()).decode()}.{mac}"


def _mysign_user(headers: dict) -> str | None:
    value = headers.get("Authorization") or ""
    parts = value[7:].split(".") if value.startswith("Bearer ") else []
    if len(parts) != 3:
        return None
    try:
        user_id = base64.urlsafe_b64decode(parts[1]).decode()
    except ValueError:
        return None
    return user_id if _mysign_token(user_id) == value[7:] else None


def _mysign_time(value: datetime) -> str:
    return value.strftime("%Y%m%d%H%M%S+0000")


def mysign_dispatch(session: Session, ca: SandboxCA, path: str, body: dict, headers: dict, *,
                    now: datetime) -> tuple[int, dict]:
    """One call of MySign's API by its path (the HTTP routes and the in-process transport share it)."""
    if (body.get("client_id"), body.get("client_secret")) != MYSIGN_CLIENT and path != "/vtss/service/requests/status":
        if body.get("client_id") != MYSIGN_CLIENT[0]:
            return _mysign_error(401, 58007, "unknown client")
        return _mysign_error(401, 86024, "bad client secret")
    if path == "/vtss/service/ras/v1/login":
        user_id = str(body.get("user_id") or "")
        if ca.subscriber(user_id) is None:
            return _mysign_error(401, 58008, "unknown user")
        return 200, {"access_token": _mysign_token(user_id), "refresh_token": "", "token_type": "Bearer",
                     "expires_in": "3600"}
    user_id = _mysign_user(headers)
    if user_id is None:
        return _mysign_error(401, 59033, "bad credentials")
    pair = ca.subscriber(user_id)
    if path == "/vtss/service/certificates/info":
        cert = pair.cert
        return 200, [{"credential_id": f"cred-{format(cert.serial_number, 'x')}", "cert": {
            "status": "VALID", "certificates": [base64.b64encode(der(c)).decode() for c in [cert, *pair.chain]],
            "issuerDN": cert.issuer.rfc4514_string(), "subjectDN": subject_text(cert),
            "serialNumber": format(cert.serial_number, "x"), "validFrom": _mysign_time(cert.not_valid_before_utc),
            "validTo": _mysign_time(cert.not_valid_after_utc)},
            "key": {"status": "ENABLED", "algo": ["1.2.840.113549.1.1.1"], "len": cert.public_key().key_size},
            "authMode": "explicit", "multisign": 100, "scal": "SCAL2"}]
    if path == "/vtss/service/signHash":
        hashes, documents = body.get("hash"), body.get("documents")
        if body.get("credentialID") != f"cred-{format(pair.cert.serial_number, 'x')}":
            return _mysign_error(400, 4004, "unknown credentialID")
        if not isinstance(hashes, list) or not isinstance(documents, list) or not hashes or \
                len(hashes) != len(documents) or body.get("numSignatures") != len(hashes):
            return _mysign_error(400, 4004, "hash, documents and numSignatures must agree")
        if body.get("hashAlgo") != "2.16.840.1.101.3.4.2.1" or body.get("async") not in (1, 2):
            return _mysign_error(400, 4004, "only SHA-256 hashes, async 1 or 2")
        files = []
        for h, d in zip(hashes, documents):
            try:
                digest = base64.b64decode(str(h), validate=True)
            except ValueError:
                digest = b""
            if len(digest) != 32 or not isinstance(d, dict) or not d.get("document_id"):
                return _mysign_error(400, 4004, "each hash is a base64 SHA-256 with its document_id")
            files.append({"doc_id": str(d["document_id"]), "data_to_be_signed": digest.hex(), "file_type": ""})
        try:
            description = base64.b64decode(str(body.get("description") or "")).decode()
        except ValueError:
            description = ""
        tx = SandboxTransaction(transaction_id=f"mysign-{uuid.uuid4()}", tran_code=str(uuid.uuid4()), user_id=user_id,
                                description=description[:200], files=files, status="waiting", created_at=now)
        session.add(tx)
        session.flush()
        return 200, {"transactionId": tx.transaction_id}
    if path == "/vtss/service/requests/status":
        tx = _find(session, str(body.get("transactionId") or ""))
        if tx is None or tx.user_id != user_id:
            return _mysign_error(400, 4004, "unknown transaction")
        if tx.status == "signed":
            return 200, {"status": MYSIGN_OK, "signatures": [s["signature_value"] for s in tx.signatures]}
        if tx.status == "rejected":
            return 200, {"status": MYSIGN_REJECTED, "signatures": None}
        if now - tx.created_at >= EXPIRY:
            return 200, {"status": MYSIGN_TIMEOUT, "signatures": None}
        return 200, {"status": MYSIGN_WAITING, "signatures": None}
    return _mysign_error(404, 4004, "unknown path")
