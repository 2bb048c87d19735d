"""Signing a class's transcripts: one round per signer, one confirmation per round.

The homeroom teacher signs first (a personal signature), then the school (its organisation
certificate). A round takes every transcript of the class waiting for that signer, prepares its
PDF (the report card's official form, rendered from the frozen snapshot) and its XML (the national
record), sends the hashes of all of them to the signer's provider in one request, and, once the
signatures come back (at once from a PKCS#12 file, after the phone confirmation from SmartCA),
finishes both documents: PAdES B-T on the PDF (each signature an incremental update; the school's
round adds the validation data, B-LT, where the CA publishes it) and XAdES on the XML. Only then
does the transcript move on. A rejected or expired round changes nothing; a new one can start.
A pupil whose identity check fails is never in a round.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import jobs
from lms.core.errors import Forbidden, ValidationError
from lms.core.signing import sha256_hex
from lms.core.storage import Area, area
from lms.gradebook import reportcards
from lms.gradebook.transcript import exports, pades, pki, workflow, xades
from lms.gradebook.transcript.models import (RequestStatus, SignerAccount, SigningItem, SigningRequest, State,
                                             Transcript)
from lms.gradebook.transcript.providers import HashToSign, Provider, ProviderError
from lms.gradebook.transcript.record import identity_problems
from lms.gradebook.transcript.trust import Trust
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School, SchoolClass

PROVIDER_LABELS = {"smartca": "VNPT SmartCA", "mysign": "Viettel MySign", "pkcs12": _l("Tệp PKCS#12"),
                   "token": _l("USB token")}
ROUND_LABELS = {RequestStatus.WAITING: _l("đang chờ người ký"), RequestStatus.SIGNED: _l("đã ký"),
                RequestStatus.REJECTED: _l("người ký từ chối"), RequestStatus.EXPIRED: _l("hết hạn, chưa ký"),
                RequestStatus.FAILED: _l("không thành công")}

ROLES = {"teacher": (State.CONFIRMED, State.TEACHER_SIGNED, "GVCN"),
         "school": (State.TEACHER_SIGNED, State.SCHOOL_SIGNED, "NhaTruong")}
REASONS = {"teacher": "Giáo viên chủ nhiệm xác nhận dữ liệu học bạ", "school": "Nhà trường phát hành học bạ"}


@dataclass
class SigningSettings:
    folder: Area                            # the storage's "transcripts" area
    card: reportcards.IssueSettings          # renders the official PDF form
    verify_url: Callable[[str], str]         # token → the public verification address
    providers: dict[str, Provider]
    trust: Trust
    base_url: str                           # where the app is published (the schemas' addresses)


def holder_of(role: str, user: User) -> str:
    return "school" if role == "school" else f"user:{user.id}"


def account_for(session: Session, school: School, holder: str) -> SignerAccount | None:
    return session.scalars(select(SignerAccount).where(SignerAccount.school_id == school.id,
                                                       SignerAccount.holder == holder)).first()


def _write(folder, name: str, data: bytes) -> None:
    (folder / name).write_bytes(data)


def waiting_for(session: Session, school_class: SchoolClass, signer_role: str) -> list[Transcript]:
    before, _after, _field = ROLES[signer_role]
    students = workflow._students(session, school_class)
    latest = workflow.latest_versions(session, school_class.school_year_id, [s.id for s in students])
    return sorted((t for t in latest.values() if t.class_id == school_class.id and t.state == before),
                  key=lambda t: t.student.sort_name)


@dataclass
class Round:
    """What a signing round will cover, checked before any work is done."""
    account: SignerAccount
    transcripts: list[Transcript]


def check_round(session: Session, actor: User, role: str, school_class: SchoolClass, signer_role: str,
                settings: SigningSettings) -> Round:
    """Who may sign, with which account, and which transcripts are waiting for this signer."""
    if signer_role not in ROLES:
        raise ValidationError(_l("Người ký không hợp lệ."))
    if signer_role == "teacher":
        if not (role == "teacher" and school_class.homeroom_teacher_id == actor.id):
            raise Forbidden(_l("Chữ ký cá nhân này là của giáo viên chủ nhiệm lớp."))
    else:
        workflow.require_principal(role)
    school = session.get(School, school_class.school_id)
    account = account_for(session, school, holder_of(signer_role, actor))
    if account is None:
        raise ValidationError(_l("Chưa khai báo chữ ký số cho người ký này (Học bạ số → Cài đặt → Chữ ký số)."))
    if account.provider not in settings.providers:
        raise ValidationError(_l("Nhà cung cấp chữ ký số %(p)s chưa được cấu hình.", p=account.provider))
    pending = session.scalars(select(SigningRequest).where(SigningRequest.signer_account_id == account.id,
                                                           SigningRequest.status == RequestStatus.WAITING)).first()
    if pending is not None and pending.expires_at is not None and _now() >= pending.expires_at:
        pending.status, pending.finished_at, pending.message = RequestStatus.EXPIRED, _now(), "expired"
        pending = None
    if pending is not None:
        raise ValidationError(_l("Đang có một yêu cầu ký chờ xác nhận trên điện thoại; xác nhận hoặc huỷ nó trước."))
    transcripts = [t for t in waiting_for(session, school_class, signer_role)
                   if not identity_problems(_identity_of(t))]
    if not transcripts:
        raise ValidationError(_l("Không có học bạ nào đang chờ chữ ký này."))
    if settings.trust.timestamper() is None:
        raise ValidationError(_l("Chưa cấu hình máy chủ dấu thời gian (LMS_TSA_URL)."))
    return Round(account, transcripts)


def _now():
    from lms.core.timeutil import utcnow

    return utcnow()


def start_round(session: Session, actor: User, role: str, school_class: SchoolClass, signer_role: str,
                settings: SigningSettings, *, locale: str) -> jobs.Job:
    """Check, then prepare, send and wait for the signatures in the background (rendering and
    preparing 40 pupils' documents takes a while; the confirmation comes from the phone)."""
    work = check_round(session, actor, role, school_class, signer_role, settings)
    return jobs.enqueue(session, actor.id, "transcript_round", {"class_id": school_class.id, "signer": signer_role,
                                                                "role": role},
                        school_id=school_class.school_id, total=len(work.transcripts), locale=locale)


def prepare_round(session: Session, actor: User, role: str, school_class: SchoolClass, signer_role: str,
                  settings: SigningSettings, *, now) -> tuple[SigningRequest, object]:
    """Prepare every waiting document of the class (the signature spaces, the hashes to sign) and
    record the round; nothing is sent yet. Returns the round and the signer's certificate."""
    work = check_round(session, actor, role, school_class, signer_role, settings)
    account, transcripts = work.account, work.transcripts
    provider = settings.providers[account.provider]
    transcripts = transcripts[:max(1, provider.batch_limit // 2)]
    try:
        certificate = provider.certificate(account)
    except ProviderError as exc:
        raise ValidationError(_l("Không lấy được chứng thư số: %(m)s", m=exc.message)) from exc
    cert = certificate.cert
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise ValidationError(_l("Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực (%(a)s – %(b)s).",
                                 a=cert.not_valid_before_utc.date(), b=cert.not_valid_after_utc.date()))
    account.cert_subject, account.cert_valid_to = pki.subject_text(cert)[:300], cert.not_valid_after_utc
    timestamper = settings.trust.timestamper()
    request = SigningRequest(school_id=school_class.school_id, signer_account_id=account.id, role=signer_role,
                             status=RequestStatus.WAITING, created_by=actor.id, created_at=now,
                             description=f"Học bạ số lớp {school_class.name} ({len(transcripts)} học sinh)")
    session.add(request)
    session.flush()
    _before, _after, field_name = ROLES[signer_role]
    for t in transcripts:
        pdf, xml = _current_documents(t, settings, signer_role)
        record = workflow.record_of(t)
        p = pades.prepare(pdf, cert, certificate.chain, field_name=field_name, reason=REASONS[signer_role],
                          location=record["record"].get("diadanhphathanh") or "", timestamper=timestamper)
        x = xades.prepare(xml, exports.record_element_id(record["record"], record["table"]), cert, certificate.chain)
        base = f"{t.token}.{signer_role}.prepared"
        _write(settings.folder, f"{base}.pdf", p.pdf)
        _write(settings.folder, f"{base}.xml", x.xml)
        for doc, digest, state in (("pdf", p.digest, {**p.state, "file": f"{base}.pdf"}),
                                   ("xml", x.digest, {"file": f"{base}.xml", "signature_id": x.signature_id,
                                                      "to_sign": base64.b64encode(x.to_sign).decode()})):
            session.add(SigningItem(request_id=request.id, transcript_id=t.id, doc=doc,
                                    doc_id=f"{t.student.student_code}-v{t.version}.{doc}", digest_hex=digest.hex(),
                                    prepared=state))
    session.flush()
    return request, certificate


def submit_round(session: Session, request: SigningRequest, certificate, settings: SigningSettings, *,
                 now) -> SigningRequest:
    """Send the round's hashes to the provider in one request (one confirmation); a provider that
    signs at once (PKCS#12) finishes the documents here."""
    provider = settings.providers[request.account.provider]
    hashes = [HashToSign(i.doc_id, bytes.fromhex(i.digest_hex), i.doc) for i in request.items]
    try:
        answer = provider.submit(request.account, hashes, request.description, now=now)
    except ProviderError as exc:
        request.status, request.finished_at, request.message = RequestStatus.FAILED, now, exc.message[:300]
        return request
    request.provider_ref, request.message, request.expires_at = answer.ref, answer.message, answer.expires_at
    if answer.status == "signed":
        _complete(session, request, answer.signatures, certificate, settings, now=now)
    return request


def poll(session: Session, request: SigningRequest, settings: SigningSettings, *, now) -> SigningRequest:
    """Ask the provider about a waiting round; finish the documents once it is signed."""
    if request.status != RequestStatus.WAITING:
        return request
    provider = settings.providers.get(request.account.provider)
    if provider is None:
        return request
    answer = provider.status(request.account, request.provider_ref, now=now, expires_at=request.expires_at,
                             doc_ids=[i.doc_id for i in request.items])
    if answer.status == "signed":
        certificate = provider.certificate(request.account)
        _complete(session, request, answer.signatures, certificate, settings, now=now)
    elif answer.status in ("rejected", "expired", "failed"):
        request.status, request.finished_at, request.message = answer.status, now, answer.message[:300]
    return request


def cancel(session: Session, actor: User, request: SigningRequest, *, now) -> None:
    if request.status == RequestStatus.WAITING:
        request.status, request.finished_at, request.message = RequestStatus.FAILED, now, "cancelled"


def _complete(session: Session, request: SigningRequest, signatures: dict[str, bytes], certificate,
              settings: SigningSettings, *, now) -> None:
    items = list(request.items)
    missing = [i.doc_id for i in items if i.doc_id not in signatures]
    if missing:
        request.status, request.finished_at = RequestStatus.FAILED, now
        request.message = f"no signature for {', '.join(missing[:3])}"
        return
    timestamper = settings.trust.timestamper()
    by_transcript: dict[int, dict[str, SigningItem]] = {}
    for item in items:
        by_transcript.setdefault(item.transcript_id, {})[item.doc] = item
    _before, after, _field = ROLES[request.role]
    actor = session.get(User, request.created_by) if request.created_by else None
    for transcript_id, docs in by_transcript.items():
        t = session.get(Transcript, transcript_id)
        if t.state != ROLES[request.role][0]:
            continue   # moved on meanwhile (sent back, corrected): the signature is not used
        pdf_item, xml_item = docs["pdf"], docs["xml"]
        prepared_pdf = (settings.folder / pdf_item.prepared["file"]).read_bytes()
        signed_pdf = pades.finish(prepared_pdf, pdf_item.prepared, signatures[pdf_item.doc_id], certificate.cert,
                                  certificate.chain, timestamper=timestamper)
        if request.role == "school":
            signed_pdf = pades.add_validation_data(
                signed_pdf, settings.trust.context(extra_certs=certificate.chain, strict=False))
        prepared_xml = (settings.folder / xml_item.prepared["file"]).read_bytes()
        signed_xml = xades.finish(prepared_xml, xml_item.prepared["signature_id"], signatures[xml_item.doc_id],
                                  timestamper=timestamper)
        suffix = "gvcn" if request.role == "teacher" else "truong"
        t.pdf_name, t.xml_name = f"{t.token}.{suffix}.pdf", f"{t.token}.{suffix}.xml"
        _write(settings.folder, t.pdf_name, signed_pdf)
        _write(settings.folder, t.xml_name, signed_xml)
        t.pdf_sha256, t.xml_sha256 = sha256_hex(signed_pdf), sha256_hex(signed_xml)
        for item in (pdf_item, xml_item):
            item.signature = signatures[item.doc_id].hex()
        before = t.state
        t.state = after
        workflow.log(session, t, after.value, actor.id if actor else None, from_state=before, to_state=after, now=now)
    request.status, request.finished_at = RequestStatus.SIGNED, now
    session.flush()


def _current_documents(t: Transcript, settings: SigningSettings, signer_role: str) -> tuple[bytes, bytes]:
    """What this signer signs: the unsigned PDF and XML for the teacher, the teacher's signed
    files for the school."""
    if signer_role == "school":
        return (settings.folder / t.pdf_name).read_bytes(), (settings.folder / t.xml_name).read_bytes()
    snapshot = workflow.snapshot_of(t)
    record = workflow.record_of(t)
    # The form is dated where the record says it is issued (diadanhphathanh, the school's one place,
    # frozen with the record), so that the PDF and the XML say the same.
    place = record["record"].get("diadanhphathanh")
    if place:
        snapshot = {**snapshot, "school": {**snapshot.get("school", {}), "place": place}}
    pdf = reportcards.render_card(snapshot, settings.card, url=settings.verify_url(t.token), scheme="pades")
    doc = exports.document([record], scope="hocsinh", scope_id=record["record"]["madinhdanhhocba"],
                           created_at=t.created_at, base_url=settings.base_url)
    return pdf, exports.to_xml(doc)


def _identity_of(t: Transcript):
    """The identity the frozen record was made with, for the check before every round."""
    from datetime import date

    from lms.gradebook.transcript.record import Identity

    r = workflow.record_of(t)["record"]
    gender = {1: "nam", 2: "nu"}.get(r["gioitinh"])
    birth = date.fromisoformat(r["ngaysinh"]) if r["ngaysinh"] else None
    return Identity(name=r["hovaten"], moet_code=r["mahocsinh"], birth_date=birth, gender=gender,
                    personal_id=r["sodinhdanhcanhan"] or None)


def requests_of_class(session: Session, school_class: SchoolClass) -> list[SigningRequest]:
    ids = {t.id for t in session.scalars(select(Transcript).where(Transcript.class_id == school_class.id))}
    rows = session.scalars(select(SigningRequest).join(SigningItem).where(SigningItem.transcript_id.in_(ids or {0}))
                           .order_by(SigningRequest.id.desc()).distinct())
    return list(rows)


# ---------------------------------------------------------------- set-up and the background round

def settings_from_config(config, render, engine, box) -> SigningSettings:
    """Providers, trust and folders from the app's settings (no Flask needed: jobs use it too)."""
    from pathlib import Path as _Path

    from lms.core.timeutil import utcnow
    from lms.gradebook.transcript.providers import (HttpTransport, MySignProvider, Pkcs12Provider, SandboxTransport,
                                                    SmartCAProvider)
    from lms.gradebook.transcript.trust import Trust

    sandbox = pki.SandboxCA(_Path(config["INSTANCE_DIR"]) / "signing-sandbox") if config.get("SIGNING_SANDBOX") else None
    from lms.gradebook.transcript.token import TokenProvider

    providers: dict[str, Provider] = {"pkcs12": Pkcs12Provider(box), "token": TokenProvider()}
    if config.get("SMARTCA_URL"):
        providers["smartca"] = SmartCAProvider(HttpTransport(config["SMARTCA_URL"]), config.get("SMARTCA_SP_ID") or "",
                                               config.get("SMARTCA_SP_PASSWORD") or "")
    elif sandbox is not None:
        providers["smartca"] = SmartCAProvider(SandboxTransport(engine, sandbox, *SANDBOX_SP, utcnow), *SANDBOX_SP)
    if config.get("MYSIGN_URL"):
        providers["mysign"] = MySignProvider(HttpTransport(config["MYSIGN_URL"]), config.get("MYSIGN_CLIENT_ID") or "",
                                             config.get("MYSIGN_CLIENT_SECRET") or "", config.get("MYSIGN_PROFILE_ID") or "")
    elif sandbox is not None:
        from lms.gradebook.transcript.sandbox import MYSIGN_CLIENT

        providers["mysign"] = MySignProvider(SandboxTransport(engine, sandbox, *SANDBOX_SP, utcnow), *MYSIGN_CLIENT)
    trust = Trust(roots=pki.trust_roots_from_paths(config.get("TRUST_ROOTS")), tsa_url=config.get("TSA_URL"),
                  sandbox=sandbox)
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    card = reportcards.settings_from_config(config, render)
    return SigningSettings(folder=area(config, "transcripts"), card=card,
                           verify_url=lambda token: f"{base}{PUBLIC_PAGE}{token}", providers=providers, trust=trust,
                           base_url=base)


SANDBOX_SP = ("lms-sandbox", "lms-sandbox-secret")
# The public verification page's path (the route and the QR code's address are built from it):
# LMS_PUBLIC_BASE_URL + PUBLIC_PAGE + the transcript's token.
PUBLIC_PAGE = "/hocba/"


@jobs.handler("transcript_round")
def _round_job(session: Session, ctx: jobs.JobContext) -> None:
    import time

    from lms.core.timeutil import utcnow

    box = _box(ctx.config)
    settings = settings_from_config(ctx.config, ctx.render, session.get_bind(), box)
    school_class = session.get(SchoolClass, ctx.params["class_id"])
    actor = session.get(User, ctx.job.user_id)
    request, certificate = prepare_round(session, actor, ctx.params["role"], school_class, ctx.params["signer"],
                                         settings, now=utcnow())
    ctx.job.params = {**ctx.params, "request_id": request.id}
    ctx.progress(0, message=ngettext("Đã chuẩn bị %(n)s tài liệu; đang gửi yêu cầu ký.",
                                     "Đã chuẩn bị %(n)s tài liệu; đang gửi yêu cầu ký.", len(request.items),
                                     n=len(request.items)))
    submit_round(session, request, certificate, settings, now=utcnow())
    if getattr(settings.providers[request.account.provider], "uploads", False) and \
            request.status == RequestStatus.WAITING:
        # A USB token: the signing computer fetches the round with its code and uploads (token.py).
        ctx.progress(ctx.job.total, message=ngettext(
            "Đã chuẩn bị %(n)s tài liệu. Trên máy tính cắm USB token, chạy lệnh ký ghi trên trang học bạ số của lớp "
            "(mã lượt ký có hiệu lực 30 phút).",
            "Đã chuẩn bị %(n)s tài liệu. Trên máy tính cắm USB token, chạy lệnh ký ghi trên trang học bạ số của lớp "
            "(mã lượt ký có hiệu lực 30 phút).", len(request.items), n=len(request.items)))
        return
    ctx.progress(0, message=_waiting_message(request))
    interval = float(ctx.config.get("SMARTCA_POLL_SECONDS") or 10)
    while request.status == RequestStatus.WAITING:
        time.sleep(interval)
        poll(session, request, settings, now=utcnow())
        ctx.progress(0, message=_waiting_message(request))
    if request.status != RequestStatus.SIGNED:
        raise ValidationError(_l("Yêu cầu ký không thành công (%(s)s%(m)s). Không có gì bị thay đổi; có thể ký lại.",
                                 s=request.status, m=f": {request.message}" if request.message else ""))
    ctx.progress(ctx.job.total, message=str(ngettext("Đã ký %(n)s học bạ.", "Đã ký %(n)s học bạ.", len(request.items) // 2, n=len(request.items) // 2)))


@jobs.handler("transcript_token_finish")
def _token_finish_job(session: Session, ctx: jobs.JobContext) -> None:
    """A USB token's signatures were uploaded and checked (token.receive): finish the documents."""
    from lms.core.timeutil import utcnow
    from lms.gradebook.transcript.token import TokenProvider

    request = session.get(SigningRequest, ctx.params["request_id"])
    if request is None or request.status != RequestStatus.WAITING:
        return
    settings = settings_from_config(ctx.config, ctx.render, session.get_bind(), _box(ctx.config))
    _complete(session, request, {i.doc_id: bytes.fromhex(i.signature) for i in request.items},
              TokenProvider().certificate(request.account), settings, now=utcnow())
    ctx.progress(ctx.job.total, message=str(ngettext("Đã ký %(n)s học bạ.", "Đã ký %(n)s học bạ.", len(request.items) // 2, n=len(request.items) // 2)))


def _waiting_message(request: SigningRequest) -> str:
    return str(ngettext("Đã gửi %(n)s tài liệu tới %(p)s: chờ người ký xác nhận trên điện thoại (mã giao dịch %(r)s).", "Đã gửi %(n)s tài liệu tới %(p)s: chờ người ký xác nhận trên điện thoại (mã giao dịch %(r)s).", len(request.items), n=len(request.items), p=request.account.provider, r=request.provider_ref))


def _box(config):
    from lms.billing.secrets import box_from_config

    return box_from_config(config)
