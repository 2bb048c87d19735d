"""Where signing keys are: the provider interface, written once, and its implementations.

A provider gives the signer's certificate, takes a batch of SHA-256 hashes (one per document)
and returns raw RSA PKCS#1 v1.5 signatures, either at once (a PKCS#12 file kept here) or after
the signer confirms on their phone (VNPT SmartCA, moet.md §3.1, and Viettel MySign, §3.2: sign-hash
request, then polling), or a USB token at the school (token.py: the signatures are uploaded).
"""
from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.fernet import Fernet

from lms.gradebook.transcript import pki

Transport = Callable[..., tuple[int, dict]]   # (path, JSON body, headers=None) → (HTTP status, JSON answer)


class ProviderError(Exception):
    """The provider refused or could not be reached; `message` says why, for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SignerCertificate:
    cert: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def subject(self) -> str:
        return pki.subject_text(self.cert)


@dataclass
class HashToSign:
    doc_id: str        # shown to the signer with the request
    digest: bytes      # SHA-256
    file_type: str     # pdf | xml


@dataclass
class Answer:
    """`status`: waiting | signed | rejected | expired | failed."""
    status: str
    ref: str = ""
    signatures: dict[str, bytes] = field(default_factory=dict)
    message: str = ""
    expires_at: datetime | None = None


class Provider(Protocol):
    name: str
    batch_limit: int           # hashes per confirmation

    def certificate(self, account) -> SignerCertificate: ...

    def submit(self, account, hashes: list[HashToSign], description: str, *, now: datetime) -> Answer: ...

    def status(self, account, ref: str, *, now: datetime, expires_at: datetime | None,
               doc_ids: list[str] | None = None) -> Answer: ...


class Pkcs12Provider:
    """A key in a PKCS#12 file, sealed in the database with LMS_SECRETS_KEY: signs at once."""

    name = "pkcs12"
    batch_limit = 1000

    def __init__(self, box: Fernet):
        self.box = box

    def _pair(self, account) -> pki.KeyPair:
        if not account.sealed_p12:
            raise ProviderError("no PKCS#12 file")
        return pki.load_pkcs12(self.box.decrypt(account.sealed_p12),
                               self.box.decrypt(account.sealed_password.encode()).decode())

    def certificate(self, account) -> SignerCertificate:
        pair = self._pair(account)
        return SignerCertificate(pair.cert, pair.chain)

    def submit(self, account, hashes: list[HashToSign], description: str, *, now: datetime) -> Answer:
        pair = self._pair(account)
        return Answer("signed", ref=f"p12-{secrets.token_hex(8)}",
                      signatures={h.doc_id: pki.sign_digest(pair.key, h.digest) for h in hashes})

    def status(self, account, ref: str, *, now: datetime, expires_at: datetime | None,
               doc_ids: list[str] | None = None) -> Answer:
        return Answer("failed", ref=ref, message="a PKCS#12 signature is never pending")


def seal_pkcs12(box: Fernet, data: bytes, password: str) -> tuple[bytes, str, pki.KeyPair]:
    """Check that the file opens with the password, then seal both."""
    pair = pki.load_pkcs12(data, password)
    return box.encrypt(data), box.encrypt(password.encode()).decode(), pair


class SmartCAProvider:
    """VNPT SmartCA, SP API "sp769" (moet.md §3.1): POST JSON with sp_id/sp_password, the
    subscriber's ID number as user_id, hashes as lowercase hex; the subscriber confirms in the
    SmartCA app; we poll the transaction's status. Several documents in one request are signed
    with one confirmation."""

    name = "smartca"
    batch_limit = 100
    TIMEOUT = timedelta(minutes=5)   # the samples give up after about 5 minutes of polling

    def __init__(self, transport: Transport, sp_id: str, sp_password: str):
        self.transport, self.sp_id, self.sp_password = transport, sp_id, sp_password

    def _call(self, path: str, body: dict) -> dict:
        status, answer = self.transport(path, body)
        code = answer.get("status_code") if isinstance(answer, dict) else None
        if status == 599 or code is None:
            raise ProviderError(f"SmartCA did not answer (HTTP {status})")
        if code != 200:
            raise ProviderError(f"SmartCA {code}: {answer.get('message') or ''}".strip())
        return answer

    def certificate(self, account) -> SignerCertificate:
        answer = self._call("/v1/credentials/get_certificate", {
            "sp_id": self.sp_id, "sp_password": self.sp_password, "user_id": account.account_id,
            "serial_number": account.serial_number or "", "transaction_id": f"lms-{secrets.token_hex(12)}"})
        certs = (answer.get("data") or {}).get("user_certificates") or []
        if account.serial_number:
            certs = [c for c in certs if (c.get("serial_number") or "").lower() == account.serial_number.lower()]
        if not certs:
            raise ProviderError("SmartCA: no certificate for this subscriber")
        c = certs[0]
        chain_data = c.get("chain_data") or {}
        chain = [pki.from_der(base64.b64decode(chain_data[k])) for k in ("ca_cert", "root_cert") if chain_data.get(k)]
        return SignerCertificate(pki.from_der(base64.b64decode(c["cert_data"])), chain)

    def submit(self, account, hashes: list[HashToSign], description: str, *, now: datetime) -> Answer:
        transaction_id = f"lms-{secrets.token_hex(12)}"
        answer = self._call("/v1/signatures/sign", {
            "sp_id": self.sp_id, "sp_password": self.sp_password, "user_id": account.account_id,
            "transaction_id": transaction_id, "transaction_desc": description[:200],
            "serial_number": account.serial_number or "", "time_stamp": now.strftime("%Y%m%d%H%M%SZ"),
            "sign_files": [{"data_to_be_signed": h.digest.hex(), "doc_id": h.doc_id, "file_type": h.file_type,
                            "sign_type": "hash"} for h in hashes]})
        ref = (answer.get("data") or {}).get("transaction_id") or transaction_id
        return Answer("waiting", ref=ref, message=answer.get("message") or "", expires_at=now + self.TIMEOUT)

    def status(self, account, ref: str, *, now: datetime, expires_at: datetime | None,
               doc_ids: list[str] | None = None) -> Answer:
        status, answer = self.transport(f"/v1/signatures/sign/{ref}/status", {})
        data = answer.get("data") if isinstance(answer, dict) else None
        message = (answer or {}).get("message") or "" if isinstance(answer, dict) else ""
        signatures = (data or {}).get("signatures") if isinstance(data, dict) else None
        if status == 200 and answer.get("status_code") == 200 and signatures:
            return Answer("signed", ref=ref, message=message,
                          signatures={s["doc_id"]: base64.b64decode(s["signature_value"]) for s in signatures})
        if isinstance(message, str) and "reject" in message.lower():
            return Answer("rejected", ref=ref, message=message)
        if expires_at is not None and now >= expires_at:
            return Answer("expired", ref=ref, message=message)
        return Answer("waiting", ref=ref, message=message)


class MySignProvider:
    """Viettel MySign (moet.md §3.2, from an integrator's summary of Viettel's document v1.8/1.9):
    login per user for a Bearer token, the certificate and its chain from `certificates/info`,
    `signHash` with base64 SHA-256 hashes and async=1 (a transaction id back), then
    `requests/status` until the user has confirmed in the MySign app (status 1), rejected (4002),
    let it time out (4001) or it failed. The user is "CMT_<số>" / "MST_<mã số thuế>"."""

    name = "mysign"
    batch_limit = 100
    TIMEOUT = timedelta(minutes=5)
    PROFILE = "adss:ras:profile:001"
    WAITING = {4000, 6000}
    OUTCOME = {4001: "expired", 4002: "rejected", 4004: "failed", 4005: "failed", 13004: "failed", 50000: "failed"}

    def __init__(self, transport: Transport, client_id: str, client_secret: str, profile_id: str = ""):
        self.transport, self.client_id, self.client_secret = transport, client_id, client_secret
        self.profile_id = profile_id or self.PROFILE
        self._credential_ids: dict[str, str] = {}
        self._tokens: dict[str, tuple[str, float]] = {}

    def _creds(self) -> dict:
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    def _token(self, account) -> str:
        """The user's access token (valid an hour per MySign's login answer; kept 50 minutes here)."""
        import time

        kept = self._tokens.get(account.account_id)
        if kept and kept[1] > time.monotonic():
            return kept[0]
        status, answer = self.transport("/vtss/service/ras/v1/login", {
            **self._creds(), "profile_id": self.profile_id, "user_id": account.account_id})
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if status != 200 or not token:
            code = answer.get("code") or answer.get("status") if isinstance(answer, dict) else None
            raise ProviderError(f"MySign login {code or status}: {(answer or {}).get('message') or ''}".strip())
        self._tokens[account.account_id] = (token, time.monotonic() + 50 * 60)
        return token

    def _call(self, account, path: str, body: dict):
        status, answer = self.transport(path, body, headers={"Authorization": f"Bearer {self._token(account)}"})
        if status == 599:
            raise ProviderError(f"MySign did not answer (HTTP {status})")
        if status != 200:
            message = (answer or {}).get("message") if isinstance(answer, dict) else ""
            raise ProviderError(f"MySign HTTP {status}: {message or ''}".strip())
        return answer

    def certificate(self, account) -> SignerCertificate:
        answer = self._call(account, "/vtss/service/certificates/info", {
            **self._creds(), "profile_id": self.profile_id, "user_id": account.account_id, "certificates": "chain",
            "certInfo": True, "authInfo": True})
        creds = answer if isinstance(answer, list) else []
        if account.serial_number:
            creds = [c for c in creds if ((c.get("cert") or {}).get("serialNumber") or "").lower()
                     == account.serial_number.lower()]
        if not creds:
            raise ProviderError("MySign: no certificate for this user")
        cred = creds[0]
        certs = [pki.from_der(base64.b64decode(b)) for b in (cred.get("cert") or {}).get("certificates") or []]
        if not certs:
            raise ProviderError("MySign: the certificate is missing from the answer")
        self._credential_ids[account.account_id] = cred.get("credential_id") or ""
        return SignerCertificate(certs[0], certs[1:])

    def _credential(self, account) -> str:
        if account.account_id not in self._credential_ids:
            self.certificate(account)
        return self._credential_ids[account.account_id]

    def submit(self, account, hashes: list[HashToSign], description: str, *, now: datetime) -> Answer:
        answer = self._call(account, "/vtss/service/signHash", {
            **self._creds(), "credentialID": self._credential(account), "numSignatures": len(hashes),
            "description": base64.b64encode(description[:90].encode()).decode(),
            "documents": [{"document_id": h.doc_id, "document_name": base64.b64encode(h.doc_id.encode()).decode()}
                          for h in hashes],
            "hash": [base64.b64encode(h.digest).decode() for h in hashes],
            "hashAlgo": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.113549.1.1.1", "async": 1})
        ref = answer.get("transactionId") if isinstance(answer, dict) else None
        if not ref:
            raise ProviderError("MySign: no transactionId in the answer")
        return Answer("waiting", ref=ref, expires_at=now + self.TIMEOUT)

    def status(self, account, ref: str, *, now: datetime, expires_at: datetime | None,
               doc_ids: list[str] | None = None) -> Answer:
        answer = self._call(account, "/vtss/service/requests/status", {"transactionId": ref})
        code = answer.get("status") if isinstance(answer, dict) else None
        if code == 1 and answer.get("signatures"):
            order = doc_ids or []   # `signatures` come in the order the hashes were sent
            values = [base64.b64decode(v) for v in answer["signatures"]]
            if len(order) != len(values):
                return Answer("failed", ref=ref, message="MySign returned another number of signatures")
            return Answer("signed", ref=ref, signatures=dict(zip(order, values)))
        if code in self.OUTCOME:
            return Answer(self.OUTCOME[code], ref=ref, message=f"MySign {code}")
        if expires_at is not None and now >= expires_at:
            return Answer("expired", ref=ref, message=f"MySign {code}")
        return Answer("waiting", ref=ref, message=f"MySign {code}")


class HttpTransport:
    """The provider's real API over HTTPS (JSON in, JSON out); (599, {}) when unreachable."""

    def __init__(self, base_url: str, timeout: float = 20):
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def __call__(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
        from lms.core.http import call_json

        reply = call_json("POST", self.base_url + path, body=body, headers=headers, timeout=self.timeout)
        return reply.status, reply.data


class SandboxTransport:
    """The sandbox's SmartCA answered in process, each call in a database session of its own (as
    a separate server would be): no HTTP, no Flask."""

    def __init__(self, engine, ca: pki.SandboxCA, sp_id: str, sp_password: str, clock: Callable[[], datetime]):
        self.engine, self.ca, self.sp_id, self.sp_password, self.clock = engine, ca, sp_id, sp_password, clock

    def __call__(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
        from sqlalchemy.orm import Session

        from lms.gradebook.transcript import sandbox

        with Session(self.engine) as session:
            if path.startswith("/vtss/"):
                answer = sandbox.mysign_dispatch(session, self.ca, path, body, headers or {}, now=self.clock())
            else:
                answer = sandbox.dispatch(session, self.ca, path, body, sp_id=self.sp_id,
                                          sp_password=self.sp_password, now=self.clock())
            session.commit()
        return answer
