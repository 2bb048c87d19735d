"""Checking a signed transcript the way anyone can: every PDF signature validated by pyHanko
against the configured trust roots (who signed, when by the time-stamp, the certificate's status,
whether the document changed after signing), every XAdES signature of the XML checked by signxml
with the certificate judged by the same validation context. The same PDF validates with pyHanko's
own command-line validator (`pyhanko sign validate --trust <root> …`), outside our code."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from lms.core.loops import outside_loop, run_coroutine
from lms.gradebook.transcript import xades
from lms.gradebook.transcript.pki import common_name, from_der, to_asn1
from lms.gradebook.transcript.trust import Trust
from lms.i18n import lazy_gettext as _l

MAX_BYTES = 20 * 1024 * 1024


# What is wrong with a signature, one cause each, said in one message each (a tampered file is
# never blamed on the certificate: its certificate is not even judged then).
TAMPERED, NOT_COVERED, REVOKED, EXPIRED, UNTRUSTED, BAD_TIMESTAMP, UNREADABLE = (
    "tampered", "not_covered", "revoked", "expired", "untrusted", "bad_timestamp", "unreadable")
CAUSES = {
    TAMPERED: _l("Tài liệu đã bị sửa sau khi ký: nội dung không còn khớp với chữ ký."),
    NOT_COVERED: _l("Chữ ký không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký."),
    REVOKED: _l("Chứng thư số của người ký đã bị thu hồi."),
    EXPIRED: _l("Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực vào lúc ký."),
    UNTRUSTED: _l("Chứng thư số không do tổ chức chứng thực tin cậy cấp (không dẫn tới chứng thư gốc tin cậy)."),
    BAD_TIMESTAMP: _l("Dấu thời gian không hợp lệ hoặc không do đơn vị cấp dấu thời gian tin cậy cấp."),
    UNREADABLE: _l("Không đọc được chữ ký."),
}
STATUS = {TAMPERED: _l("không xét (tài liệu đã bị sửa)"), REVOKED: _l("đã bị thu hồi"), EXPIRED: _l("hết hạn"),
          UNTRUSTED: _l("không tin cậy")}
SANDBOX_MARK = "SANDBOX"


def is_sandbox(subject: str, issuer: str = "") -> bool:
    """A certificate of a sandbox (ours names every one SANDBOX): a test signature, never a real one."""
    return SANDBOX_MARK in subject.upper() or SANDBOX_MARK in issuer.upper()


@dataclass
class SignatureCheck:
    name: str                        # the signature field (GVCN, NhaTruong) or the XML signature's Id
    signer: str                      # the certificate's common name
    subject: str
    signed_at: datetime | None       # the time-stamp's time, else the time the signer claims
    timestamped: bool
    intact: bool                     # the signed bytes are unchanged
    trusted: bool                    # the certificate chains to a trusted root and is valid
    revoked: bool
    changed_after: bool              # something other than later signatures or validation data was added
    ok: bool
    causes: list[str] = field(default_factory=list)   # TAMPERED, NOT_COVERED, … (one message each)
    detail: str = ""                 # the validator's own words, for an unreadable signature
    document: str = ""               # what was signed, for a reader (an XML record: pupil, class, year)
    sandbox: bool = False            # a sandbox certificate: a test signature

    @property
    def problems(self) -> list[str]:
        out = [str(CAUSES[c]) for c in self.causes]
        if self.detail:
            out.append(self.detail)
        return out

    @property
    def status(self) -> str:
        for cause in (TAMPERED, REVOKED, EXPIRED, UNTRUSTED):
            if cause in self.causes:
                return str(STATUS[cause])
        return str(_l("hợp lệ, tin cậy")) if self.trusted else str(STATUS[UNTRUSTED])


def _trust_cause(indication) -> str:
    """The certificate's problem as one cause: revoked, out of its validity, or not trusted."""
    from pyhanko.sign.ades.report import AdESIndeterminate as Ind

    if indication in (Ind.REVOKED_NO_POE, Ind.REVOKED_CA_NO_POE):
        return REVOKED
    if indication in (Ind.EXPIRED, Ind.NOT_YET_VALID, Ind.OUT_OF_BOUNDS_NO_POE, Ind.OUT_OF_BOUNDS_NOT_REVOKED):
        return EXPIRED
    return UNTRUSTED


def pdf_causes(status, *, appended: bool = False) -> list[str]:
    """What is wrong with one PDF signature's validation status (pyHanko's), one cause each;
    `appended`: the file goes on after its last revision, so no signature covers its end."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not status.intact or not status.valid:
        return [TAMPERED]     # the certificate of a changed document says nothing: not judged
    causes = []
    level = status.modification_level
    changed = level is not None and level not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                                                  ModificationLevel.FORM_FILLING)
    # ENTIRE_FILE: the signed range reaches the file's end. ENTIRE_REVISION: it reaches its own
    # revision's end, and what follows is covered only if it is later revisions the diff analysis
    # accepts (signatures, validation data) and nothing after the last of them.
    covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and not changed and not appended)
    if not covered:
        causes.append(NOT_COVERED)
    if status.revoked:
        causes.append(REVOKED)
    elif not status.trusted:
        causes.append(_trust_cause(status.trust_problem_indic))
    ts = status.timestamp_validity
    if ts is not None and not ts.trusted:
        causes.append(BAD_TIMESTAMP)
    return causes


def check_pdf(data: bytes, trust: Trust) -> list[SignatureCheck]:
    """Every signature in the PDF, first to last; an empty list when it carries none."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # pyHanko raises many kinds on a broken file; all mean "not a signed PDF we can read"
        return []
    appended = bytes_after_last_revision(reader, data)
    out = []
    for sig in signatures:
        try:
            status = outside_loop(validate_pdf_signature, sig, trust.context())
        except (SignatureValidationError, SigningError, ValueError) as exc:
            cert = sig.signer_cert
            subject, issuer = _names_asn1(cert)
            out.append(SignatureCheck(sig.field_name, _cn_asn1(cert), subject, None, False, False, False,
                                      False, True, False, [UNREADABLE], str(exc)[:120],
                                      sandbox=is_sandbox(subject, issuer)))
            continue
        causes = pdf_causes(status, appended=appended)
        ts = status.timestamp_validity
        signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
        subject, issuer = _names_asn1(status.signing_cert)
        out.append(SignatureCheck(sig.field_name, _cn_asn1(status.signing_cert), subject,
                                  signed_at, ts is not None, status.intact and status.valid, status.trusted,
                                  status.revoked, NOT_COVERED in causes, status.bottom_line and not causes,
                                  causes, sandbox=is_sandbox(subject, issuer)))
    return out


def bytes_after_last_revision(reader, data: bytes) -> bool:
    """Whether anything but white space follows the end of the PDF's last revision (its
    `startxref <offset> %%EOF`): bytes appended after the end, which no signature covers."""
    import re

    try:
        startxref = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    except Exception:  # pyHanko raises many kinds on a damaged cross-reference: not a whole file
        return True
    ends = list(re.finditer(rb"startxref\s+%d\s+%%%%EOF" % startxref, data))
    return not ends or bool(data[ends[-1].end():].strip())


def check_xml(data: bytes, trust: Trust) -> list[SignatureCheck]:
    """Every XAdES signature of the XML, each checked on its own; the certificate by pyHanko's
    validator with the same trust roots."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (ExpiredError, NotYetValidError, PathError, RevokedError,
                                              ValidationError)

    try:
        results = xades.check(data)
    except Exception:  # a broken XML file: no signature we can read
        return []
    out = []
    for r in results:
        causes, trusted, revoked = [], False, False
        if not r.intact:
            causes.append(TAMPERED)
        elif r.outside:
            causes.append(NOT_COVERED)
        if r.cert is not None:
            validator = CertificateValidator(to_asn1(r.cert), intermediate_certs=[to_asn1(c) for c in r.chain],
                                             validation_context=trust.context())
            try:
                run_coroutine(validator.async_validate_usage, set())
                trusted = True
            except RevokedError:
                revoked = True
                causes.append(REVOKED)
            except (ExpiredError, NotYetValidError):
                causes.append(EXPIRED)
            except (PathError, ValidationError):
                causes.append(UNTRUSTED)
        signed_at, stamped = r.signing_time, False
        if r.timestamp_token is not None:
            when = _xml_timestamp(r, trust)
            if when is None:
                causes.append(BAD_TIMESTAMP)
            else:
                signed_at, stamped = when, True
        subject = r.cert.subject.rfc4514_string() if r.cert else ""
        issuer = r.cert.issuer.rfc4514_string() if r.cert else ""
        out.append(SignatureCheck(r.signature_id, common_name(r.cert) if r.cert else "—", subject, signed_at, stamped,
                                  r.intact, trusted, revoked, NOT_COVERED in causes, r.intact and trusted and not causes,
                                  causes,
                                  document=_document_label(r.document), sandbox=is_sandbox(subject, issuer)))
    return out


def _document_label(document: dict) -> str:
    """An XML signature named by what it signs: the pupil's transcript, class and year."""
    if not document.get("hovaten"):
        return ""
    return str(_l("Học bạ của %(n)s, lớp %(c)s, năm học %(y)s", n=document["hovaten"], c=document.get("tenlop") or "—",
                  y=document.get("namhoc") or "—"))


def _xml_timestamp(r: xades.XmlSignature, trust: Trust) -> datetime | None:
    """The time of an XAdES-T signature's time-stamp when its token is intact, covers this
    signature value and comes from a trusted time-stamping authority; else None."""
    import hashlib

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

    try:
        info = cms.ContentInfo.load(r.timestamp_token)
        status = run_coroutine(validate_tst_signed_data, info["content"], trust.context(),
                               lambda algo: r.timestamp_digest if algo == "sha256" else hashlib.new(algo).digest())
    except Exception:  # a damaged token: asn1crypto and pyHanko raise many kinds
        return None
    # Trusted: the authority's certificate has a path to our roots and no trust problem was found.
    trusted = status.get("validation_path") is not None and status.get("trust_problem_indic") is None
    if not (status.get("intact") and status.get("valid") and trusted):
        return None
    return status.get("timestamp")


def _cn_asn1(cert) -> str:
    return common_name(from_der(cert.dump())) if cert is not None else "—"


def _names_asn1(cert) -> tuple[str, str]:
    """The certificate's subject and issuer, as text."""
    if cert is None:
        return "", ""
    parsed = from_der(cert.dump())
    return parsed.subject.rfc4514_string(), parsed.issuer.rfc4514_string()


def all_ok(checks: list[SignatureCheck], expected: int) -> bool:
    return len(checks) >= expected and all(c.ok for c in checks)

