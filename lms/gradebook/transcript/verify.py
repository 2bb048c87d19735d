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
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.revoked:
            return str(_l("đã bị thu hồi"))
        if self.trusted:
            return str(_l("hợp lệ, tin cậy"))
        return str(_l("không tin cậy"))


def check_pdf(data: bytes, trust: Trust) -> list[SignatureCheck]:
    """Every signature in the PDF, first to last; an empty list when it carries none."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # pyHanko raises many kinds on a broken file; all mean "not a signed PDF we can read"
        return []
    out = []
    for sig in signatures:
        problems: list[str] = []
        try:
            status = outside_loop(validate_pdf_signature, sig, trust.context())
        except (SignatureValidationError, SigningError, ValueError) as exc:
            cert = sig.signer_cert
            out.append(SignatureCheck(sig.field_name, _cn_asn1(cert), _subject_asn1(cert), None, False, False, False,
                                      False, True, False, [str(_l("không đọc được chữ ký: %(e)s", e=str(exc)[:120]))]))
            continue
        ts = status.timestamp_validity
        level = status.modification_level
        changed = level is not None and level not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                                                      ModificationLevel.FORM_FILLING)
        if not status.intact or not status.valid:
            problems.append(str(_l("nội dung đã bị sửa sau khi ký (chữ ký không còn khớp)")))
        if status.revoked:
            problems.append(str(_l("chứng thư số của người ký đã bị thu hồi")))
        elif not status.trusted:
            problems.append(str(_l("chứng thư số không dẫn tới gốc tin cậy hoặc đã hết hạn (%(i)s)",
                                   i=status.trust_problem_indic.name if status.trust_problem_indic else "—")))
        if ts is not None and not ts.trusted:
            problems.append(str(_l("dấu thời gian không tin cậy")))
        if changed:
            problems.append(str(_l("tài liệu đã bị thay đổi sau khi ký")))
        signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
        out.append(SignatureCheck(sig.field_name, _cn_asn1(status.signing_cert), _subject_asn1(status.signing_cert),
                                  signed_at, ts is not None, status.intact and status.valid, status.trusted,
                                  status.revoked, changed, status.bottom_line and not changed and not problems,
                                  problems))
    return out


def check_xml(data: bytes, trust: Trust) -> list[SignatureCheck]:
    """Every XAdES signature of the XML, each checked on its own; the certificate by pyHanko's
    validator with the same trust roots."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathError, RevokedError, ValidationError

    try:
        results = xades.check(data)
    except Exception:  # a broken XML file: no signature we can read
        return []
    out = []
    for r in results:
        problems, trusted, revoked = [], False, False
        if not r.intact:
            problems.append(str(_l("nội dung đã bị sửa sau khi ký (chữ ký không còn khớp)")))
        if r.cert is not None:
            validator = CertificateValidator(to_asn1(r.cert), intermediate_certs=[to_asn1(c) for c in r.chain],
                                             validation_context=trust.context())
            try:
                run_coroutine(validator.async_validate_usage, set())
                trusted = True
            except RevokedError:
                revoked = True
                problems.append(str(_l("chứng thư số của người ký đã bị thu hồi")))
            except (PathError, ValidationError) as exc:
                problems.append(str(_l("chứng thư số không dẫn tới gốc tin cậy hoặc đã hết hạn (%(i)s)",
                                       i=type(exc).__name__)))
        signed_at, stamped = r.signing_time, False
        if r.timestamp_token is not None:
            when = _xml_timestamp(r, trust)
            if when is None:
                problems.append(str(_l("dấu thời gian không hợp lệ hoặc không tin cậy")))
            else:
                signed_at, stamped = when, True
        out.append(SignatureCheck(r.signature_id, common_name(r.cert) if r.cert else "—",
                                  r.cert.subject.rfc4514_string() if r.cert else "", signed_at, stamped, r.intact,
                                  trusted, revoked, False, r.intact and trusted and not problems, problems))
    return out


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


def _subject_asn1(cert) -> str:
    return from_der(cert.dump()).subject.rfc4514_string() if cert is not None else ""


def all_ok(checks: list[SignatureCheck], expected: int) -> bool:
    return len(checks) >= expected and all(c.ok for c in checks)

