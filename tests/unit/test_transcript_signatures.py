"""PAdES and XAdES on a transcript, with the test PKI of tests/transcript_pki.py (its own CA,
sub-CA, OCSP responder and time-stamping authority on 127.0.0.1): the teacher's then the school's
signature, each an incremental update with a time-stamp, validation data embedded; the file
validates with our checks and with pyHanko's own command-line validator, and fails when a byte is
changed, when the trust root is another, when the signer is revoked or expired."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from weasyprint import HTML

from lms.gradebook.transcript import pades, verify, xades
from lms.gradebook.transcript.pki import sign_digest
from lms.gradebook.transcript.trust import Trust
from tests import transcript_pki

PYHANKO = Path(sys.executable).with_name("pyhanko")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = transcript_pki.start(tmp_path_factory.mktemp("pki"))
    yield p
    p.stop()


def _trust(pki, root="root") -> Trust:
    return Trust(roots=[pki.certs[root]], tsa_url=pki.tsa_url)


def _sign_pdf(pdf: bytes, pki, label: str, field: str, *, ltv: bool) -> bytes:
    pair, trust = pki.pair(label), _trust(pki)
    prepared = pades.prepare(pdf, pair.cert, pair.chain, field_name=field, reason="Thử", location="An Giang",
                             timestamper=trust.timestamper())
    signed = pades.finish(prepared.pdf, prepared.state, sign_digest(pair.key, prepared.digest), pair.cert, pair.chain,
                          timestamper=trust.timestamper())
    return pades.add_validation_data(signed, trust.context(extra_certs=pair.chain, strict=False)) if ltv else signed


@pytest.fixture(scope="module")
def signed_pdf(pki) -> bytes:
    pdf = HTML(string="<h1>HỌC BẠ</h1><p>Nguyễn Văn An — Toán 8,5</p>").write_pdf()
    teacher = _sign_pdf(pdf, pki, "teacher", "GVCN", ltv=False)
    return _sign_pdf(teacher, pki, "school", "NhaTruong", ltv=True)


def _cli(pki, path: Path, root="root") -> subprocess.CompletedProcess:
    assert PYHANKO.exists() or shutil.which("pyhanko"), "pyhanko-cli is a dev dependency"
    return subprocess.run([str(PYHANKO), "sign", "validate", "--executive-summary", "--trust", str(pki.pem(root)),
                           "--trust-replace", str(path)], capture_output=True, text=True, timeout=120)


def test_two_signatures_each_an_incremental_update_validate(pki, signed_pdf):
    checks = verify.check_pdf(signed_pdf, _trust(pki))
    assert [c.name for c in checks] == ["GVCN", "NhaTruong"]
    assert [c.signer for c in checks] == ["Phạm Thu Hà", "Trường THCS Thử A"]
    assert all(c.ok and c.trusted and c.intact and c.timestamped and not c.changed_after for c in checks), checks
    assert b"/DSS" in signed_pdf   # validation data embedded (B-LT)


def test_pyhanko_command_line_validates_the_file_outside_our_code(pki, signed_pdf, tmp_path):
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(signed_pdf)
    result = _cli(pki, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(":VALID") == 2, result.stdout


def test_a_changed_byte_fails_ours_and_pyhanko(pki, signed_pdf, tmp_path):
    # The producer's name in the first revision, which both signatures cover.
    tampered = signed_pdf.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    checks = verify.check_pdf(tampered, _trust(pki))
    assert len(checks) == 2 and not any(c.ok or c.intact for c in checks)
    # Said as what it is, and only that: the certificate of a changed document is not blamed.
    for check in checks:
        assert check.causes == [verify.TAMPERED], check
        assert check.problems == ["Tài liệu đã bị sửa sau khi ký: nội dung không còn khớp với chữ ký."]
        assert check.status == "không xét (tài liệu đã bị sửa)"
    assert not verify.all_ok(verify.check_pdf(signed_pdf[:-300], _trust(pki)), 2)   # a cut file too
    path = tmp_path / "sua.pdf"
    path.write_bytes(bytes(tampered))
    assert _cli(pki, path).returncode != 0


def test_content_added_after_signing_is_reported(pki, signed_pdf):
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page[generic.NameObject("/Rotate")] = generic.NumberObject(90)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    checks = verify.check_pdf(out.getvalue(), _trust(pki))
    assert checks and all(c.changed_after and not c.ok for c in checks)
    assert all(c.causes == [verify.NOT_COVERED] and c.status == "hợp lệ, tin cậy" for c in checks), checks
    assert checks[0].problems == ["Chữ ký không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký."]


APPENDED = b"\n%extra bytes appended\n"


def test_bytes_appended_after_the_end_are_reported_on_every_signature(pki, signed_pdf):
    for data in (signed_pdf + APPENDED, signed_pdf + b"\nxref\n0 1\n0000000000 65535 f \n"):
        checks = verify.check_pdf(data, _trust(pki))
        assert [c.name for c in checks] == ["GVCN", "NhaTruong"]
        assert all(c.changed_after and not c.ok and verify.NOT_COVERED in c.causes for c in checks), checks
        assert checks[1].problems == ["Chữ ký không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký."]
    # A file ending in a line break after its last %%EOF is whole.
    assert all(c.ok for c in verify.check_pdf(signed_pdf + b"\r\n", _trust(pki)))


def test_another_trust_root_is_not_trusted(pki, signed_pdf, tmp_path):
    checks = verify.check_pdf(signed_pdf, _trust(pki, root="other-root"))
    assert checks and all(c.intact and not c.trusted and not c.ok for c in checks)
    # Neither the signer's certificate nor the time-stamping authority's leads to this root: two causes.
    assert all(c.causes == [verify.UNTRUSTED, verify.BAD_TIMESTAMP] and c.status == "không tin cậy"
               for c in checks), checks
    assert checks[0].problems[0] == ("Chứng thư số không do tổ chức chứng thực tin cậy cấp (không dẫn tới chứng thư "
                                     "gốc tin cậy).")
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(signed_pdf)
    assert _cli(pki, path, root="other-root").returncode != 0


@pytest.mark.parametrize("label", ["revoked", "expired"])
def test_a_revoked_or_expired_signer_fails(pki, label):
    pdf = HTML(string="<p>Học bạ</p>").write_pdf()
    signed = _sign_pdf(pdf, pki, label, "GVCN", ltv=False)
    [check] = verify.check_pdf(signed, _trust(pki))
    assert check.intact and not check.ok and not check.trusted
    assert check.revoked == (label == "revoked")
    expected = {"revoked": ("Chứng thư số của người ký đã bị thu hồi.", "đã bị thu hồi"),
                "expired": ("Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực vào lúc ký.", "hết hạn")}
    assert (check.problems, check.status) == ([expected[label][0]], expected[label][1]), check


def test_xades_teacher_then_school_each_verifies_and_tampering_fails(pki):
    xml = (b'<?xml version="1.0" encoding="UTF-8"?><hocbaso xmlns="urn:lms:hocbaso:1">'
           b'<thongtinsohocbasothcsthpt Id="r-1"><hovaten>Nguy\xe1\xbb\x85n V\xc4\x83n An</hovaten>'
           b'<tenlop>8A1</tenlop><namhoc>2025-2026</namhoc>'
           b'<canam>T</canam></thongtinsohocbasothcsthpt></hocbaso>')
    for label in ("teacher", "school"):
        pair = pki.pair(label)
        prepared = xades.prepare(xml, "r-1", pair.cert, pair.chain)
        xml = xades.finish(prepared.xml, prepared.signature_id, sign_digest(pair.key, prepared.digest))
    checks = verify.check_xml(xml, _trust(pki))
    assert [c.signer for c in checks] == ["Phạm Thu Hà", "Trường THCS Thử A"] and all(c.ok for c in checks), checks
    # Each row named by the document it signs, never by the signature's internal id.
    assert [c.document for c in checks] == ["Học bạ của Nguyễn Văn An, lớp 8A1, năm học 2025-2026"] * 2
    untrusted = verify.check_xml(xml, _trust(pki, root="other-root"))
    assert not any(c.ok for c in untrusted) and all(c.causes == [verify.UNTRUSTED] for c in untrusted)
    tampered = xml.replace(b"<canam>T</canam>", b"<canam>K</canam>")
    changed = verify.check_xml(tampered, _trust(pki))
    assert not any(c.ok or c.intact for c in changed)
    assert all(c.causes == [verify.TAMPERED] and c.status == "không xét (tài liệu đã bị sửa)" for c in changed)


def test_xades_t_each_signature_time_stamped_by_the_authority(pki):
    """XAdES-T: each signature carries an RFC 3161 time-stamp over its SignatureValue, validated
    against the trust roots; its time is the one shown. A time-stamp from an untrusted authority,
    or moved onto another signature, is refused."""
    import base64

    from lxml import etree

    xml = (b'<?xml version="1.0" encoding="UTF-8"?><hocbaso xmlns="urn:lms:hocbaso:1">'
           b'<thongtinsohocbasothcsthpt Id="r-1"><hovaten>An</hovaten></thongtinsohocbasothcsthpt></hocbaso>')
    trust = _trust(pki)
    for label in ("teacher", "school"):
        pair = pki.pair(label)
        prepared = xades.prepare(xml, "r-1", pair.cert, pair.chain)
        xml = xades.finish(prepared.xml, prepared.signature_id, sign_digest(pair.key, prepared.digest),
                           timestamper=trust.timestamper())
    assert xml.count(b"EncapsulatedTimeStamp>") == 4
    checks = verify.check_xml(xml, trust)
    assert all(c.ok and c.timestamped for c in checks), checks
    assert all(c.signed_at is not None and c.signed_at.tzinfo is not None for c in checks)
    # The teacher's time-stamp put on the school's signature covers another value: refused.
    doc = etree.fromstring(xml)
    stamps = doc.findall(".//{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedTimeStamp")
    stamps[1].text = stamps[0].text
    swapped = verify.check_xml(etree.tostring(doc), trust)
    assert swapped[0].ok and not swapped[1].ok and swapped[1].causes == [verify.BAD_TIMESTAMP]
    assert swapped[1].problems[0].startswith("Dấu thời gian không hợp lệ")
    # A damaged token: refused, never an exception.
    stamps[1].text = base64.b64encode(b"not a token").decode()
    assert not verify.check_xml(etree.tostring(doc), trust)[1].ok
    # Another trust root: the signatures and their time-stamps are not trusted.
    assert not any(c.ok for c in verify.check_xml(xml, _trust(pki, root="other-root")))


def test_a_sandbox_certificate_says_so_and_its_signature_is_reported_as_a_test(pki, signed_pdf, tmp_path):
    """Every sandbox subscriber's subject says SANDBOX — the school's too, whose organisation is the
    school's name — and verification reports a sandbox-signed document as a test signature."""
    from lms.gradebook.transcript.pki import SandboxCA

    ca = SandboxCA(tmp_path / "sandbox")
    school = ca.enrol("0301234567", "Trường THCS Thử A", organisation=True)
    teacher = ca.enrol("001085000123", "Phạm Thu Hà")
    for pair in (school, teacher):
        assert "SANDBOX" in pair.cert.subject.rfc4514_string(), pair.cert.subject
    trust = Trust(sandbox=ca)
    pdf = HTML(string="<p>Học bạ</p>").write_pdf()
    prepared = pades.prepare(pdf, school.cert, school.chain, field_name="NhaTruong", reason="Thử", location="",
                             timestamper=trust.timestamper())
    signed = pades.finish(prepared.pdf, prepared.state, sign_digest(school.key, prepared.digest), school.cert,
                          school.chain, timestamper=trust.timestamper())
    [check] = verify.check_pdf(signed, trust)
    assert check.ok and check.sandbox and check.signer == "Trường THCS Thử A"
    # A real CA's signatures are not marked.
    assert not any(c.sandbox for c in verify.check_pdf(signed_pdf, _trust(pki)))


def test_xml_content_outside_the_signed_record_is_reported(pki):
    xml = (b'<?xml version="1.0" encoding="UTF-8"?><hocbaso xmlns="urn:lms:hocbaso:1">'
           b'<phamvi loai="hocsinh" ma="1"/><thongtinsohocbasothcsthpt Id="r-1"><hovaten>An</hovaten>'
           b'<canam>T</canam></thongtinsohocbasothcsthpt></hocbaso>')
    pair = pki.pair("teacher")
    prepared = xades.prepare(xml, "r-1", pair.cert, pair.chain)
    xml = xades.finish(prepared.xml, prepared.signature_id, sign_digest(pair.key, prepared.digest))
    assert verify.check_xml(xml, _trust(pki))[0].ok
    assert verify.check_xml(xml + b"\n", _trust(pki))[0].ok
    added = [xml + APPENDED, xml + b"<!-- extra -->",
             xml.replace(b"</hocbaso>", "<ghichu>Lên lớp</ghichu></hocbaso>".encode()),
             xml.replace(b"<phamvi", b"extra text<phamvi")]
    for data in added:
        [check] = verify.check_xml(data, _trust(pki))
        assert check.intact and not check.ok and check.changed_after, data[-60:]
        assert check.causes == [verify.NOT_COVERED], check
