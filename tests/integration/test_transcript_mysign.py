"""Viettel MySign as a signer's remote-signing provider, against the sandbox that plays its API
(moet.md §3.2: login for a Bearer token, certificates/info, signHash with async=1, requests/status
and its status codes; the user confirms in the app, here the sandbox phone): a class signed by the
homeroom teacher and the school through MySign, one confirmation each, both signatures valid; the
API's refusals by their codes."""
from __future__ import annotations

import base64

from sqlalchemy import select
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from lms.gradebook.transcript import verify
from lms.gradebook.transcript.models import Transcript
from lms.gradebook.transcript.pki import SandboxCA, from_der
from lms.gradebook.transcript.trust import Trust
from tests.integration.test_transcripts import _answer, _class_url, _identity, _ready, _set_codes, _sign_round, _states

TEACHER, SCHOOL = "CMT_001085000123", "MST_0301234567"
BASE = "/sandbox/mysign/vtss/service"
CLIENT = {"client_id": "lms-sandbox", "client_secret": "lms-sandbox-secret"}


def test_a_class_signed_through_mysign(app, world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    teacher, phone = make_client(), make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    refused = client.post("/school/transcripts/settings", {"what": "account", "holder": "school", "provider": "mysign",
                                                            "account_id": "0301234567"}, follow_redirects=True)
    assert "MST_&lt;mã số thuế&gt; cho trường" in refused.get_data(as_text=True)
    for holder, account in (("school", SCHOOL), (f"user:{world.a.teacher.id}", TEACHER)):
        client.post("/school/transcripts/settings", {"what": "account", "holder": holder, "provider": "mysign",
                                                     "account_id": account})
        page = client.post("/school/transcripts/settings", {"what": "enrol", "holder": holder},
                           follow_redirects=True).get_data(as_text=True)
        assert f"Đã tạo thuê bao thử nghiệm {account}" in page
    _set_codes(client)
    client.post(_class_url(world, "/draft"))
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    client.post(_class_url(world, "/step"), {"action": "confirm"})
    _sign_round(app, teacher, phone, world, "teacher", TEACHER, dbs)
    _sign_round(app, client, phone, world, "school", SCHOOL, dbs)
    assert client.post(_class_url(world, "/issue")).status_code == 302
    assert {s for s, _v in _states(dbs, world).values()} == {"issued"}
    with dbs() as s:
        tid = s.scalars(select(Transcript)).first().id
    pdf = client.get(f"/transcripts/{tid}.pdf").data
    checks = verify.check_pdf(pdf, Trust(sandbox=SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox")))
    assert [c.signer for c in checks] == ["Giáo Viên A", "Trường THCS Thử A"] and all(c.ok for c in checks), checks


def _post(client, path: str, body: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.http.post(f"{BASE}{path}", json=body, headers=headers)
    return response.status_code, response.get_json()


def test_the_sandbox_speaks_mysign(app, client, make_client):
    ca = SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox")
    ca.enrol(TEACHER, "Nguyễn Văn Thử")
    assert _post(client, "/ras/v1/login", {"client_id": "khac", "client_secret": "x", "user_id": TEACHER}) == \
        (401, {"code": 58007, "message": "unknown client"})
    assert _post(client, "/ras/v1/login", {**CLIENT, "client_secret": "sai", "user_id": TEACHER})[1]["code"] == 86024
    assert _post(client, "/ras/v1/login", {**CLIENT, "user_id": "CMT_000000000000"})[1]["code"] == 58008
    status, login = _post(client, "/ras/v1/login", {**CLIENT, "profile_id": "adss:ras:profile:001", "user_id": TEACHER})
    assert status == 200 and login["token_type"] == "Bearer" and login["expires_in"] == "3600"
    token = login["access_token"]
    assert _post(client, "/certificates/info", {**CLIENT, "user_id": TEACHER}, token + "x")[1]["code"] == 59033
    status, creds = _post(client, "/certificates/info", {**CLIENT, "user_id": TEACHER, "certificates": "chain",
                                                          "certInfo": True, "authInfo": True}, token)
    assert status == 200 and len(creds[0]["cert"]["certificates"]) == 3 and creds[0]["key"]["len"] == 2048
    cert = from_der(base64.b64decode(creds[0]["cert"]["certificates"][0]))
    digest = bytes(range(32))
    body = {**CLIENT, "credentialID": creds[0]["credential_id"], "numSignatures": 1,
            "description": base64.b64encode("Học bạ số lớp 8A1".encode()).decode(),
            "documents": [{"document_id": "HS001-v1.pdf", "document_name": base64.b64encode(b"HS001").decode()}],
            "hash": [base64.b64encode(digest).decode()], "hashAlgo": "2.16.840.1.101.3.4.2.1",
            "signAlgo": "1.2.840.113549.1.1.1", "async": 1}
    assert _post(client, "/signHash", {**body, "numSignatures": 2}, token)[0] == 400
    assert _post(client, "/signHash", {**body, "hash": ["abc"]}, token)[0] == 400
    status, sent = _post(client, "/signHash", body, token)
    assert status == 200 and sent["transactionId"]
    assert _post(client, "/requests/status", {"transactionId": sent["transactionId"]}, token)[1] == \
        {"status": 4000, "signatures": None}
    phone = make_client()
    _answer(phone, TEACHER, sent["transactionId"], "approve")
    status, done = _post(client, "/requests/status", {"transactionId": sent["transactionId"]}, token)
    assert done["status"] == 1
    cert.public_key().verify(base64.b64decode(done["signatures"][0]), digest, padding.PKCS1v15(),
                             utils.Prehashed(hashes.SHA256()))
    status, other = _post(client, "/signHash", body, token)
    _answer(phone, TEACHER, other["transactionId"], "reject")
    assert _post(client, "/requests/status", {"transactionId": other["transactionId"]}, token)[1]["status"] == 4002

