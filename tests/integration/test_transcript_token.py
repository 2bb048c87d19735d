"""Signing a class's transcripts with a USB token through PKCS#11, as a principal signs with a
Viettel-CA, VNPT-CA or BKAV-CA token: SoftHSM2 plays the token. The test makes a token, imports
the school's key and certificate issued by the sandbox's CA, exports the certificate with the
signing program and gives it to the settings page; the school's round waits with its code, and
the signing program (token_client: pyHanko's PKCS#11 signer) fetches it, signs on the token,
uploads; the signed PDF and XML verify. A wrong PIN, another token and forged signatures change
nothing."""
from __future__ import annotations

import base64
import io
import os
import re
import subprocess
from pathlib import Path

import pytest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select

# The program runs pyHanko's asyncio.run; in a worker that ran a browser test, Playwright's loop runs here.
from lms.core.loops import outside_loop
from lms.gradebook.transcript import exports, token_client, verify
from lms.gradebook.transcript.models import RequestStatus, SigningRequest, State
from lms.gradebook.transcript.pki import SandboxCA
from lms.gradebook.transcript.trust import Trust
from tests.integration.test_transcripts import _class_url, _identity, _ready, _states

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
LABEL, PIN, SO_PIN = "TRUONG-THCS-THU-A", "246810", "13579135"
SCHOOL_MST = "0301234567"

pytestmark = pytest.mark.skipif(
    not Path(SOFTHSM).exists() or not os.path.exists("/usr/bin/softhsm2-util"),
    reason="SoftHSM2 is not installed (Debian package softhsm2): its PKCS#11 library plays the USB token")


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A token in a folder of its own, made before this process first loads the library (SoftHSM
    reads its configuration and token list when it is initialised)."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    for label in (LABEL, "TOKEN-KHAC"):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
                       check=True, capture_output=True)
    return SOFTHSM


def _import(label: str, pair) -> None:
    """Put the key and its certificate on the token (as the CA's registration office does)."""
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import lib as p11_lib
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    with p11_lib(SOFTHSM).get_token(token_label=label).open(rw=True, user_pin=PIN) as session:
        for obj in list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})) + list(
                session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
            obj.destroy()
        key_der = pair.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption())
        attrs = decode_rsa_private_key(key_der)
        attrs.update({Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                      Attribute.LABEL: "nha-truong", Attribute.ID: b"\x01", Attribute.SIGN: True})
        session.create_object(attrs)
        for n, cert in enumerate([pair.cert, *pair.chain]):
            attrs = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
            attrs.update({Attribute.TOKEN: True, Attribute.LABEL: "nha-truong" if n == 0 else f"ca-{n}",
                          Attribute.ID: b"\x01" if n == 0 else bytes([0x10 + n])})
            session.create_object(attrs)


def _transport(http):
    def call(method: str, path: str, code: str, body: dict | None = None):
        response = http.open(path, method=method, json=body, headers={"Authorization": f"Bearer {code}"})
        return response.status_code, response.get_json(silent=True) or {}
    return call


def _round(dbs) -> SigningRequest:
    with dbs() as s:
        return s.scalars(select(SigningRequest).where(SigningRequest.role == "school")
                         .order_by(SigningRequest.id.desc())).first()


def test_the_school_signs_a_class_with_its_usb_token(app, world, client, make_client, dbs, softhsm):
    _ready(dbs, world)
    client.login("admin.a")
    teacher = make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    ca = SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox")
    school_pair = ca.enrol(SCHOOL_MST, "Trường THCS Thử A", organisation=True)
    _import(LABEL, school_pair)
    _import("TOKEN-KHAC", ca.enrol("0309999999", "Trường khác", organisation=True))
    # The homeroom teacher signs with a PKCS#12 file; the school with its token, whose certificate
    # the signing program exports for the settings page.
    teacher_pair = ca.enrol("001085000123", "Giáo Viên A")
    p12 = pkcs12.serialize_key_and_certificates(b"gv", teacher_pair.key, teacher_pair.cert, teacher_pair.chain,
                                                serialization.BestAvailableEncryption(b"mat-khau"))
    client.post("/school/transcripts/settings", {"what": "codes", "moet_school_code": "89001501",
                                                 "department_code": "89"})
    saved = client.post("/school/transcripts/settings", {
        "what": "account", "holder": f"user:{world.a.teacher.id}", "provider": "pkcs12", "password": "mat-khau",
        "p12": (io.BytesIO(p12), "gv.p12")}, content_type="multipart/form-data", follow_redirects=True)
    assert "Đã lưu chữ ký số" in saved.get_data(as_text=True)
    exported = outside_loop(token_client.export_certificate, softhsm, PIN, token_label=LABEL)
    assert exported.count("BEGIN CERTIFICATE") == 1 + len(school_pair.chain)
    refused = client.post("/school/transcripts/settings", {"what": "account", "holder": "school", "provider": "token"},
                          content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Chọn tệp chứng thư số xuất từ USB token" in refused
    saved = client.post("/school/transcripts/settings", {
        "what": "account", "holder": "school", "provider": "token",
        "p12": (io.BytesIO(exported.encode()), "chung-thu.pem")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu chữ ký số" in saved and "Trường THCS Thử A" in saved
    assert 'id="token-client-link"' in saved
    program = client.get("/transcripts/hocba-ky-token.py")
    assert program.status_code == 200 and b"def sign_round" in program.data

    assert client.post(_class_url(world, "/draft")).status_code == 302
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    client.post(_class_url(world, "/step"), {"action": "confirm"})
    teacher.post(_class_url(world, "/sign"), {"signer": "teacher"})
    app.extensions["lms_jobs"].wait(timeout=180)
    assert {s for s, _v in _states(dbs, world).values()} == {State.TEACHER_SIGNED}

    # The principal starts the school's round: the documents are prepared, the round waits for
    # the token with its code, and the class page says what to run.
    response = client.post(_class_url(world, "/sign"), {"signer": "school"})
    assert response.status_code == 302
    app.extensions["lms_jobs"].wait(timeout=180)
    job = client.get(response.headers["Location"] + ".json").get_json()
    assert job["status"] == "done" and "USB token" in job["message"], job
    page = client.get(_class_url(world)).get_data(as_text=True)
    code = re.search(r'class="card my-2 token-round" data-code="([^"]+)"', page).group(1)
    assert f"--code {code}" in page and "hocba-ky-token.py" in page
    assert code not in teacher.get(_class_url(world)).get_data(as_text=True)    # the signer's own
    computer = _transport(make_client().http)

    # What cannot sign: a wrong PIN, another school's token, an unknown code, forged signatures.
    with pytest.raises(token_client.SigningError, match="Sai mã PIN"):
        outside_loop(token_client.sign_round, computer, code, module=softhsm, pin="000000", token_label=LABEL, say=lambda m: None)
    with pytest.raises(token_client.SigningError, match="Cắm đúng token"):
        outside_loop(token_client.sign_round, computer, code, module=softhsm, pin=PIN, token_label="TOKEN-KHAC", say=lambda m: None)
    with pytest.raises(token_client.SigningError, match="Không có lượt ký nào mang mã này"):
        token_client.fetch(computer, "khong-phai-ma")
    documents = token_client.fetch(computer, code)["documents"]
    assert len(documents) == 6 and {d["kind"] for d in documents} == {"pdf", "xml"}
    forged = {d["doc_id"]: base64.b64encode(bytes(256)).decode() for d in documents}
    status, answer = computer("POST", token_client.API, code, {"signatures": forged})
    assert status == 422 and documents[0]["doc_id"] in answer["error"] and "không khớp" in answer["error"]
    assert _round(dbs).status == RequestStatus.WAITING
    assert {s for s, _v in _states(dbs, world).values()} == {State.TEACHER_SIGNED}

    # The signing computer: fetch, sign on the token with its PIN, upload, wait.
    said: list[str] = []
    final = outside_loop(token_client.sign_round, computer, code, module=softhsm, pin=PIN, token_label=LABEL, say=said.append,
                                    wait_every=0.2)
    assert final["status"] == "signed" and "Đã ký 6 tài liệu trên USB token; đang tải lên." in said
    app.extensions["lms_jobs"].wait(timeout=180)
    assert {s for s, _v in _states(dbs, world).values()} == {State.SCHOOL_SIGNED}
    again = computer("POST", token_client.API, code, {"signatures": forged})
    assert again[0] == 422 and "không còn chờ" in again[1]["error"]

    assert client.post(_class_url(world, "/issue")).status_code == 302
    with dbs() as s:
        tid = s.scalars(select(SigningRequest)).first().items[0].transcript_id
    pdf, xml = client.get(f"/transcripts/{tid}.pdf").data, client.get(f"/transcripts/{tid}.xml").data
    trust = Trust(sandbox=ca)
    pdf_checks, xml_checks = verify.check_pdf(pdf, trust), verify.check_xml(xml, trust)
    assert [c.name for c in pdf_checks] == ["GVCN", "NhaTruong"] and all(c.ok for c in pdf_checks), pdf_checks
    assert [c.signer for c in pdf_checks] == ["Giáo Viên A", "Trường THCS Thử A"]
    assert len(xml_checks) == 2 and all(c.ok for c in xml_checks) and exports.xml_errors(xml) == []
