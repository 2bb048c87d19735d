"""The facts every official document (văn bản hành chính) prints the same way, after Nghị định
30/2020/NĐ-CP: the place-and-date line and the titles of those who sign. Pure: no Flask; the
templates reach these through `pdf_base.html` and `macros/official.html`."""
from __future__ import annotations

import functools
import unicodedata
from datetime import date
from pathlib import Path

BLANK_DATE_LINE = "…, ngày … tháng … năm …"
_PLACE_PREFIXES = ("thành phố ", "tp. ", "tp ", "tỉnh ", "quận ", "huyện ", "thị xã ", "xã ", "phường ")


def date_line(place: str | None, day: date | None) -> str:
    """"Long Xuyên, ngày 06 tháng 12 năm 2026". A day below 10 and the months 1 and 2 take a
    leading zero (NĐ 30/2020, Phụ lục I); never a time. With no day, the blank form to fill by hand."""
    if day is None:
        return BLANK_DATE_LINE if not place else f"{place}, ngày … tháng … năm …"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place or '…'}, ngày {day.day:02d} tháng {month} năm {day.year}"


_DISTRICT = ("thành phố ", "tp. ", "tp ", "quận ", "huyện ", "thị xã ")
_COMMUNE = ("phường ", "xã ", "thị trấn ")
_PROVINCE = ("tỉnh ", "thành phố ", "tp. ", "tp ")
CENTRAL_CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế")


def _unit_name(part: str, prefixes: tuple[str, ...]) -> str | None:
    """"TP. Long Xuyên" → "Long Xuyên"; "quận 1" → "Quận 1" (a numbered unit keeps its kind); None
    when the part does not start with one of `prefixes`."""
    lowered = part.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            name = part[len(prefix):].strip()
            if name.isdigit():
                return f"{part[:len(prefix)].strip().capitalize()} {name}"
            return name or None
    return None


def place_from_address(address: str | None) -> str | None:
    """The place an address's documents are dated at (NĐ 30/2020: the administrative unit where
    the body sits): the city, district or town named before the province ("…, phường Mỹ Bình, TP.
    Long Xuyên, An Giang" → "Long Xuyên"), else the commune or ward ("…, phường Mỹ Bình, tỉnh An
    Giang" → "Mỹ Bình"), else the province or the last part of the address."""
    if not address:
        return None
    parts = [p.strip() for p in address.rstrip(" .").split(",") if p.strip()]
    if parts and parts[-1].lower() in ("việt nam", "vietnam", "vn"):
        parts.pop()
    if not parts:
        return None
    below = parts[1:-1] if len(parts) > 1 else []
    for prefixes in (_DISTRICT, _COMMUNE):
        for part in reversed(below):
            if (name := _unit_name(part, prefixes)) is not None:
                return name
    last = parts[-1]
    return _unit_name(last, _PROVINCE) or _unit_name(last, _DISTRICT + _COMMUNE) or last


def school_place(school) -> str | None:
    """The place a school's documents are dated at: its own setting, else its address."""
    return getattr(school, "place_name", None) or place_from_address(getattr(school, "address", None))


def school_signer(school) -> tuple[str | None, str, str | None]:
    """Who signs a school's documents, as (over, title, name): the principal ("HIỆU TRƯỞNG" and
    the name set for them), or the deputy signing for them ("KT. HIỆU TRƯỞNG", "PHÓ HIỆU
    TRƯỞNG", the deputy's name) when one is set."""
    deputy = getattr(school, "deputy_signer_name", None)
    if deputy:
        return "KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", deputy
    return None, "HIỆU TRƯỞNG", getattr(school, "principal_name", None) or None


def department_place(department) -> str | None:
    """A department's place: its setting, else the name after "Sở/Phòng Giáo dục và Đào tạo"."""
    if getattr(department, "place_name", None):
        return department.place_name
    name = (getattr(department, "name", None) or "").strip()
    for marker in ("Giáo dục và Đào tạo", "GD&ĐT", "GDĐT"):
        if marker in name:
            rest = name.split(marker, 1)[1].strip(" -–")
            return place_from_address(rest) or None
    return None


_MARKERS = ("Giáo dục và Đào tạo", "Giáo dục - Đào tạo", "GD&ĐT", "GDĐT")


def department_issuer(department) -> tuple[str | None, str]:
    """The two lines of a department's heading, as the Ministry's forms have them: the People's
    Committee it belongs to above the department itself — ("UBND tỉnh An Giang", "Sở Giáo dục và
    Đào tạo") for "Sở Giáo dục và Đào tạo tỉnh An Giang", ("UBND TP. Long Xuyên", "Phòng Giáo dục
    và Đào tạo") for its Phòng. A name without a locality is printed whole, with nothing above."""
    name = (getattr(department, "name", None) or "").strip()
    for marker in _MARKERS:
        if marker in name:
            head, rest = name.split(marker, 1)
            issuer, rest = (head + marker).strip(), rest.strip(" -–")
            if not rest:
                return None, issuer
            if _unit_name(rest, _PROVINCE + _DISTRICT) is None:
                if getattr(department, "kind", None) == "province":
                    rest = ("thành phố " if rest in CENTRAL_CITIES else "tỉnh ") + rest
            return f"UBND {rest}", issuer
    return None, name


def head_title(department):
    """The title of the head who signs for a department: Giám đốc (Sở) or Trưởng phòng (Phòng),
    as a translatable text — a page shows it in the reader's language, an official document
    (rendered in Vietnamese) prints "GIÁM ĐỐC"."""
    from lms.i18n import lazy_gettext as _l

    return _l("GIÁM ĐỐC") if getattr(department, "kind", None) == "province" else _l("TRƯỞNG PHÒNG")


def department_signer(department, deputy: bool, name: str | None) -> tuple[object, object, str | None]:
    """Who signs a department's document, as (over, title, name): its head ("GIÁM ĐỐC", "TRƯỞNG
    PHÒNG"), or a deputy signing for them ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC"), with the name printed
    under the title. The titles are translatable texts, read in the language the document is
    rendered in (Vietnamese for the official PDF)."""
    from lms.i18n import lazy_gettext as _l

    head = head_title(department)
    if deputy:
        return _l("KT. %(t)s", t=head), _l("PHÓ %(t)s", t=head), name or None
    return None, head, name or None


def department_recipients(department) -> list[str]:
    """The "Nơi nhận" of a department's report by default: the bodies it reports to, its schools,
    and the file copy — "Bộ GDĐT" and the province's People's Committee for a Sở; the Sở above and
    the district's People's Committee for a Phòng."""
    above, _issuer = department_issuer(department)
    lines = []
    if getattr(department, "kind", None) == "province":
        lines.append("Bộ Giáo dục và Đào tạo (để báo cáo)")
    else:
        parent = getattr(department, "parent", None)
        lines.append(f"{parent.name} (để báo cáo)" if parent is not None else "Sở Giáo dục và Đào tạo (để báo cáo)")
    if above:
        lines.append(f"{above} (để báo cáo)")
    lines += ["Các trường trực thuộc (để thực hiện)", "Lưu: VT"]
    return lines



def printed_text_problem(text: str, label) -> str | None:
    """Why `text` (already squashed) may not print on an official document, or None: it holds a
    control character, or it does not start with a letter or a digit — "=1+1", "+84…", "-cmd",
    "@SUM(…)" are read as a formula when the document's figures are opened in a spreadsheet, and no
    name or place starts so. The reason named is the real one."""
    from lms.i18n import lazy_gettext as _l

    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        return str(_l("%(f)s “%(v)s” chứa ký tự điều khiển (không nhìn thấy, không in được): gõ lại ô này.",
                      f=label, v="".join(c if c.isprintable() else "·" for c in text[:40])))
    if not text[0].isalnum():
        return str(_l("%(f)s “%(v)s” không hợp lệ: phải bắt đầu bằng chữ hoặc số (không bắt đầu bằng = + - @ "
                      "như một công thức bảng tính) vì được in trên văn bản chính thức.", f=label, v=text[:40]))
    return None


def printed_text(value: str | None, *, field: str, label) -> str | None:
    """A free-text field that prints on an official document (school name, address, place, the
    signers' names, recipient lines, a pupil's name and profile), spaces squashed; None when empty;
    refused on its field by `printed_text_problem`. A class name's own rule
    (people.services.CLASS_NAME) starts the same way."""
    from lms.core.errors import ValidationError
    from lms.core.text import nfc

    text = " ".join(nfc(value or "").split())
    if not text:
        return None
    problem = printed_text_problem(text, label)
    if problem:
        raise ValidationError(problem, field=field)
    return text


# The heading's lines stay one line each (a long "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO TP. LONG XUYÊN" or school
# name wrapped, or ran into the national name): each line's width in em, measured from the fonts
# the PDFs are set in, and pdf_base.html shrinks a line whose width would pass its column's.
_FONT_FILES = {False: ("DejaVuSerif.ttf", "DejaVuSans.ttf"), True: ("DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf")}
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
# Without the font files: an upper bound of DejaVu's capitals (Serif Bold's widest common letters).
_FALLBACK_EM = {False: 0.80, True: 0.88}


@functools.lru_cache(maxsize=None)
def _advances(bold: bool) -> tuple[dict[str, float], ...]:
    """Each DejaVu face's advance widths in em by character (Serif and Sans, the PDFs' families)."""
    from fontTools.ttLib import TTFont

    faces = []
    for name in _FONT_FILES[bold]:
        path = next((p for d in _FONT_DIRS for p in sorted(Path(d).rglob(name))), None)
        if path is None:
            continue
        font = TTFont(path, lazy=True)
        per_em, hmtx = font["head"].unitsPerEm, font["hmtx"]
        faces.append({chr(code): hmtx[glyph][0] / per_em for code, glyph in font.getBestCmap().items()})
        font.close()
    return tuple(faces)


def line_em(text: str, bold: bool = False) -> float:
    """`text`'s width in em on one line, in the wider of DejaVu Serif and DejaVu Sans (a character a
    face lacks counts as its base letter, else as a wide capital)."""
    text = unicodedata.normalize("NFC", text)
    faces = _advances(bool(bold))
    if not faces:
        return round(len(text) * _FALLBACK_EM[bool(bold)], 3)
    widths = []
    for face in faces:
        total = 0.0
        for char in text:
            width = face.get(char)
            if width is None:
                base = unicodedata.normalize("NFD", char)[:1]
                width = face.get(base, _FALLBACK_EM[bool(bold)])
            total += width
        widths.append(total)
    return round(max(widths), 3)


_PAGE_MM = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "B5": (176, 250), "LETTER": (215.9, 279.4)}


def content_width_mm(size: str, margin: str) -> float:
    """The width in mm between a page's side margins, from the CSS of @page: `size` ("A4",
    "A4 landscape") and `margin` (one to four lengths in mm or cm, CSS order)."""
    words = str(size).upper().split()
    width, height = _PAGE_MM.get(words[0] if words else "A4", _PAGE_MM["A4"])
    if "LANDSCAPE" in words:
        width = height
    sides = [float(part[:-2]) * (10 if part.endswith("cm") else 1) for part in str(margin).split()]
    right = sides[1] if len(sides) > 1 else sides[0]
    left = sides[3] if len(sides) > 3 else right
    return round(width - left - right, 2)


NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
_PT_MM = 25.4 / 72
_GAP_MM = 4.0   # between the columns, and around the national name in its own


def heading_columns(size: str, margin: str, head_size: str) -> tuple[float, float, float, float]:
    """The heading's geometry on a page (pdf_base.html), as (narrowest issuer column mm, widest issuer
    column mm, the page's content width mm, the heading's font size pt). The issuing body's column is
    42 % of the line (NĐ 30's proportions) or as wide as its name needs, up to what the national name
    leaves: that one keeps its size and the width it needs."""
    content = content_width_mm(size, margin)
    text = str(head_size).strip()
    points = float(text[:-2]) if text.endswith("pt") else 10.0
    nation = line_em(NATION, bold=True) * points * _PT_MM + _GAP_MM
    return round(content * 0.42, 2), round(content - nation, 2), content, points
