"""The resource library: files uploaded once per school, tagged by subject, grade and topic, found
by accent-insensitive search and reused in any lesson; optionally shared with the department's
other schools."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import NotFound, ValidationError
from lms.core.text import fold, nfc
from lms.core.storage import Area
from lms.core.uploads import CheckedFile, check_upload
from lms.courses.models import Resource
from lms.db import matching_words, where_given
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School, Subject

MAX_FILES_PER_UPLOAD = 20


@dataclass
class ResourceMeta:
    title: str = ""
    subject_id: int | None = None
    grade: int | None = None
    topic: str = ""
    tags: str = ""
    shared_with_department: bool = False


def _search_text(resource: Resource, subject: Subject | None) -> str:
    name = subject.name if subject else ""
    return fold(" ".join([resource.title, resource.topic, resource.tags, resource.filename, name]))[:1000]


def check_files(files: list[tuple[str, bytes]], limits_mb: dict[str, int]) -> list[CheckedFile]:
    """Check every file before anything is stored: one bad file refuses the whole upload."""
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(ngettext("Mỗi lần tải lên tối đa %(n)s tệp.", "Mỗi lần tải lên tối đa %(n)s tệp.", MAX_FILES_PER_UPLOAD, n=MAX_FILES_PER_UPLOAD), field="files")
    return [check_upload(name, data, limits_mb) for name, data in files]


def add_resources(session: Session, actor: User, school: School, files: list[tuple[str, bytes]],
                  meta: ResourceMeta, folder: Area, limits_mb: dict[str, int]) -> list[Resource]:
    """Store the files in the school's library. A file whose content is already there is reused
    (the existing entry is returned), so the same PDF uploaded twice is kept once."""
    checked = check_files(files, limits_mb)
    subject = session.get(Subject, meta.subject_id) if meta.subject_id is not None else None
    if meta.subject_id is not None and (subject is None or subject.school_id != school.id):
        raise ValidationError(_l("Môn học không tồn tại."), field="subject_id")
    if meta.grade is not None and not 1 <= meta.grade <= 12:
        raise ValidationError(_l("Khối lớp phải từ 1 đến 12."), field="grade")
    out: list[Resource] = []
    known = {r.sha256: r for r in session.scalars(select(Resource).where(
        Resource.school_id == school.id, Resource.sha256.in_([c.sha256 for c in checked])))}
    for info, (_name, data) in zip(checked, files):
        existing = known.get(info.sha256)
        if existing is not None:
            out.append(existing)
            continue
        title = nfc(meta.title).strip() if meta.title and len(files) == 1 else info.filename.rsplit(".", 1)[0]
        resource = Resource(school_id=school.id, title=title[:200], subject_id=meta.subject_id, grade=meta.grade,
                            topic=nfc(meta.topic).strip()[:200], tags=nfc(meta.tags).strip()[:300],
                            shared_with_department=meta.shared_with_department, filename=info.filename,
                            stored_name=folder.save(info, data), kind=info.kind, mime=info.mime, size=info.size,
                            sha256=info.sha256, uploaded_by=actor.id)
        resource.search_text = _search_text(resource, subject)
        session.add(resource)
        known[info.sha256] = resource
        out.append(resource)
    session.flush()
    return out


def update_resource(session: Session, actor: User, resource: Resource, meta: ResourceMeta) -> None:
    title = nfc(meta.title).strip()
    if not title:
        raise ValidationError(_l("Nhập tên tài liệu."), field="title")
    subject = session.get(Subject, meta.subject_id) if meta.subject_id else None
    if meta.subject_id and (subject is None or subject.school_id != resource.school_id):
        raise ValidationError(_l("Môn học không tồn tại."), field="subject_id")
    resource.title, resource.subject_id, resource.grade = title[:200], meta.subject_id, meta.grade
    resource.topic, resource.tags = nfc(meta.topic).strip()[:200], nfc(meta.tags).strip()[:300]
    resource.shared_with_department = meta.shared_with_department
    resource.search_text = _search_text(resource, subject)
    session.flush()


def _visible(school: School):
    own = Resource.school_id == school.id
    if school.department_id is None:
        return own
    shared = and_(Resource.shared_with_department.is_(True),
                  Resource.school_id.in_(select(School.id).where(School.department_id == school.department_id)))
    return or_(own, shared)


def library_query(school: School, *, q: str = "", subject_id: int | None = None, grade: int | None = None,
                  kind: str | None = None) -> Select:
    """The school's resources and those its department's schools share, newest first.
    Every word of `q` must appear, accents and case ignored ("hinh hoc" finds "Hình học")."""
    stmt = matching_words(select(Resource).where(_visible(school)), Resource.search_text, q)
    return where_given(stmt, (Resource.subject_id, subject_id), (Resource.grade, grade),
                       (Resource.kind, kind)).order_by(Resource.id.desc())


def visible_resource(session: Session, school: School, resource_id: int) -> Resource:
    resource = session.scalars(select(Resource).where(Resource.id == resource_id, _visible(school))).first()
    if resource is None:
        raise NotFound(_l("Không tìm thấy tài liệu."))
    return resource
