"""QR codes as SVG (no raster library needed): for pages, and as data: URLs inside PDFs."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg

from lms.core.charts import data_url


def qr_svg(text: str, *, box_size: int = 10, border: int = 2) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=border,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue()


def qr_data_url(text: str) -> str:
    return data_url(qr_svg(text))
