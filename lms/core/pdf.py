"""PDFs with WeasyPrint. The renderer may fetch nothing but data: URLs: no file: paths, no
network. Images and charts are inlined (data: URLs or inline SVG) by the templates."""
from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher


def _document(html: str) -> HTML:
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    return HTML(string=html, base_url=None, url_fetcher=fetcher)


def render_pdf(html: str) -> bytes:
    return _document(html).write_pdf()


def render_pdf_many(htmls, progress=None) -> bytes:
    """Several HTML documents as one PDF, each starting on a new page; `progress(i)` after each."""
    documents = []
    for i, html in enumerate(htmls, start=1):
        documents.append(_document(html).render())
        if progress:
            progress(i)
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
