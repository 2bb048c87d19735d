"""The school's logo in the top bar: uploaded by its admin as a PNG, JPEG or WebP picture,
checked by content, stripped of its metadata, made small (the top bar shows it 32 px high; parents
load it on poor networks) and stored under a generated name."""
from __future__ import annotations

import io

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import ValidationError
from lms.core.storage import Area
from lms.core.uploads import CheckedFile, check_upload, clean_filename, without_metadata
from lms.i18n import lazy_gettext as _l
from lms.people.models import School

LOGO_FORMATS = ("png", "jpg", "jpeg", "webp")
LOGO_MAX_MB = 2
LOGO_BOX = (256, 256)      # twice what the top bar shows, for sharp phone screens


def set_school_logo(session: Session, actor: User, school: School, logos: Area, filename: str | None,
                    data: bytes) -> str:
    """Store the picture in `logos` (the "logos" storage area) as the school's logo; returns its
    stored name."""
    name = clean_filename(filename)
    if "." not in name or name.rsplit(".", 1)[-1].lower() not in LOGO_FORMATS:
        raise ValidationError(_l("Logo phải là ảnh PNG, JPG hoặc WebP."), field="logo")
    try:
        checked = check_upload(name, data, {"image": LOGO_MAX_MB, "document": 0, "audio": 0, "video": 0})
    except ValidationError as exc:
        exc.field = "logo"
        raise
    checked, data = without_metadata(checked, data)
    checked, data = _small(checked, data)
    school.logo = logos.save(checked, data)
    audit.record(session, "school_logo_set", actor_id=actor.id, school_id=school.id, subject_type="school",
                 subject_id=school.id, detail=checked.filename)
    session.flush()
    return school.logo


def remove_school_logo(session: Session, actor: User, school: School) -> None:
    school.logo = None
    audit.record(session, "school_logo_removed", actor_id=actor.id, school_id=school.id, subject_type="school",
                 subject_id=school.id)
    session.flush()


def _small(checked: CheckedFile, data: bytes) -> tuple[CheckedFile, bytes]:
    """The picture fitted into LOGO_BOX and saved as PNG (transparent logos stay transparent)."""
    import hashlib

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail(LOGO_BOX)
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            buffer = io.BytesIO()
            image.save(buffer, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_l("Không đọc được ảnh logo."), field="logo") from None
    small = buffer.getvalue()
    return CheckedFile(checked.filename, "png", "image", "image/png", len(small), hashlib.sha256(small).hexdigest()), small
