"""Signing with a USB token (PKCS#11), the way a principal signs with a Viettel-CA, VNPT-CA or
BKAV-CA token: the key never leaves the token, and the token is plugged into the school's signing
computer, not into our server.

A token round is an ordinary signing round (signing.py: prepare every document of the class,
sign the hashes, finish) whose "provider" is that computer:

1. the signer starts the round on the class page; the documents are prepared with the certificate
   kept for the token account (uploaded once on the settings page) and the round waits with a
   one-time round code, shown to the signer beside the command to run;
2. on the signing computer, `hocba-ky-token` (token_client.py, a single file the page offers for
   download) fetches the round with that code, asks for the token's PIN, signs every document's
   to-be-signed bytes on the token with pyHanko's PKCS#11 signer, and uploads the signatures;
3. `receive` checks every signature against the account's certificate and the hash it was for
   (one wrong or missing signature refuses the whole upload, naming the document; nothing is
   kept), then a background job (signing.py, transcript_token_finish) finishes the documents
   exactly as for any provider.

The round code only lets its holder read the hashes and offer signatures, which are worthless
unless made by the token's key. A round waits at most TIMEOUT, then expires (nothing changed).
"""
from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core import jobs
from lms.core.errors import NotFound, ValidationError
from lms.gradebook.transcript import pki
from lms.gradebook.transcript.models import RequestStatus, SignerAccount, SigningRequest
from lms.gradebook.transcript.providers import Answer, HashToSign, ProviderError, SignerCertificate
from lms.i18n import lazy_gettext as _l

TIMEOUT = timedelta(minutes=30)


class UnknownCode(NotFound):
    """No round has this code: the caller is not authenticated (401 to the signing program)."""

    status = 401
CLIENT_NAME = "hocba-ky-token.py"


class TokenProvider:
    """The school's signing computer with the USB token: certificate from the account, the
    signatures arrive by upload (`receive`), never by polling the provider."""

    name = "token"
    batch_limit = 1000
    uploads = True

    def certificate(self, account: SignerAccount) -> SignerCertificate:
        if not account.cert_pem:
            raise ProviderError("no certificate for this token")
        cert, chain = pki.signer_and_chain(pki.load_certificates(account.cert_pem.encode()))
        return SignerCertificate(cert, chain)

    def submit(self, account, hashes: list[HashToSign], description: str, *, now: datetime) -> Answer:
        return Answer("waiting", ref=secrets.token_urlsafe(24), expires_at=now + TIMEOUT,
                      message="waiting for the signing computer")

    def status(self, account, ref: str, *, now: datetime, expires_at: datetime | None,
               doc_ids: list[str] | None = None) -> Answer:
        if expires_at is not None and now >= expires_at:
            return Answer("expired", ref=ref, message="the signing computer did not upload in time")
        return Answer("waiting", ref=ref)


def certificate_from_file(data: bytes) -> tuple[str, x509.Certificate]:
    """The token's certificate file as exported from the token (PEM, DER or .p7b, with or without
    its CA certificates): the PEM to keep and the signer's certificate; refused with a reason."""
    try:
        cert, chain = pki.signer_and_chain(pki.load_certificates(data))
    except pki.KeyFileError as exc:
        raise ValidationError(_l("Không đọc được tệp chứng thư số của USB token (%(e)s).", e=str(exc)),
                              field="p12") from exc
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise ValidationError(_l("Chỉ dùng được chứng thư số khoá RSA."), field="p12")
    return pki.pem([cert, *chain]), cert


def _round(session: Session, code: str, *, now: datetime) -> SigningRequest:
    code = (code or "").strip()
    found = None
    if code:
        for row in session.scalars(select(SigningRequest).join(SignerAccount).where(
                SignerAccount.provider == TokenProvider.name, SigningRequest.provider_ref == code)):
            if hmac.compare_digest(row.provider_ref, code):
                found = row
    if found is None:
        raise UnknownCode(_l("Không có lượt ký nào mang mã này. Kiểm tra lại mã trên trang học bạ số của lớp."))
    if found.status == RequestStatus.WAITING and found.expires_at is not None and now >= found.expires_at:
        found.status, found.finished_at, found.message = RequestStatus.EXPIRED, now, "expired"
    return found


def _to_sign(item) -> bytes:
    """The bytes the token signs (SHA-256 is taken on the token): the CMS signed attributes of the
    PDF's signature, the canonical SignedInfo of the XML's."""
    key = "signed_attrs" if item.doc == "pdf" else "to_sign"
    return base64.b64decode(item.prepared[key])


@dataclass
class Batch:
    request: SigningRequest

    def as_json(self) -> dict:
        r = self.request
        account = r.account
        return {"round": r.id, "status": r.status, "message": r.message, "description": r.description,
                "signer": account.cert_subject, "certificate_serial": format(
                    TokenProvider().certificate(account).cert.serial_number, "x"),
                "expires_at": r.expires_at.isoformat() if r.expires_at else None,
                "documents": [{"doc_id": i.doc_id, "kind": i.doc, "sha256": i.digest_hex,
                               "to_sign": base64.b64encode(_to_sign(i)).decode()} for i in r.items]
                if r.status == RequestStatus.WAITING else []}


def batch(session: Session, code: str, *, now: datetime) -> Batch:
    return Batch(_round(session, code, now=now))


def receive(session: Session, code: str, signatures: dict, *, now: datetime, locale: str) -> jobs.Job:
    """Check the uploaded signatures (every document's, each against its hash and the token's
    certificate) and finish the round in the background."""
    request = _round(session, code, now=now)
    if request.status != RequestStatus.WAITING:
        raise ValidationError(_l("Lượt ký này không còn chờ chữ ký (%(s)s).", s=request.status))
    if not isinstance(signatures, dict):
        raise ValidationError(_l("Dữ liệu tải lên không đúng dạng."))
    public = TokenProvider().certificate(request.account).cert.public_key()
    decoded: dict[str, bytes] = {}
    for item in request.items:
        value = signatures.get(item.doc_id)
        if not isinstance(value, str):
            raise ValidationError(_l("Thiếu chữ ký cho tài liệu %(d)s.", d=item.doc_id))
        try:
            raw = base64.b64decode(value, validate=True)
            public.verify(raw, bytes.fromhex(item.digest_hex), padding.PKCS1v15(),
                          utils.Prehashed(hashes.SHA256()))
        except (ValueError, InvalidSignature) as exc:
            raise ValidationError(_l("Chữ ký của tài liệu %(d)s không khớp với chứng thư số đã khai báo cho USB token "
                                     "(ký nhầm token, hoặc tài liệu đã đổi).", d=item.doc_id)) from exc
        decoded[item.doc_id] = raw
    extra = set(signatures) - set(decoded)
    if extra:
        raise ValidationError(_l("Có chữ ký cho tài liệu không thuộc lượt ký này: %(d)s.", d=", ".join(sorted(extra)[:3])))
    for item in request.items:
        item.signature = decoded[item.doc_id].hex()
    request.message = "signatures received"
    return jobs.enqueue(session, request.created_by, "transcript_token_finish", {"request_id": request.id},
                        school_id=request.school_id, total=len(request.items) // 2, locale=locale)
