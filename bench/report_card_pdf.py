"""Report card PDF: the app's whole path (snapshot → template → WeasyPrint → signature) beside
WeasyPrint rendering the very same HTML bare, in one run. Prints both and the ratio.

    .venv/bin/python bench/report_card_pdf.py [--cards 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import select
    from weasyprint import HTML

    from lms import create_app
    from lms.config import TestConfig
    from lms.core.jobs import render_template_in
    from lms.core.qr import qr_data_url
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.gradebook import reportcards
    from lms.gradebook.models import ReportCard
    from lms.core.storage import storage_for
    from lms.demo import seed_demo
    from lms.people.models import SchoolClass, SchoolYear

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app(type("B", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'b.sqlite3'}",
                                               "INSTANCE_DIR": folder, "UPLOAD_DIR": folder / "u"}))
    with app.app_context():
        db.create_all()
        seed_demo(db.session, app.extensions["lms_auth"], storage_for(app.config), app.config["UPLOAD_LIMITS_MB"])
        db.session.commit()
        school_class = db.session.scalars(select(SchoolClass).join(SchoolYear).where(
            SchoolClass.name == "10A1", SchoolYear.name == "2025-2026")).one()
        settings = reportcards.settings_from_config(app.config, render_template_in, app.extensions["lms_signer"])
        data = reportcards.class_data(db.session, school_class)
        admin = db.session.get(type(school_class.homeroom_teacher), school_class.homeroom_teacher_id)
        rows = data.summary.rows[:args.cards]
        app_times, bare_times = [], []
        for row in rows:
            start = time.perf_counter()
            card = reportcards.issue_card(db.session, admin, data, row.student, settings, now=utcnow())
            app_times.append(time.perf_counter() - start)
            import json

            snapshot = json.loads(card.snapshot)
            url = reportcards.verify_url(settings.base_url, card.token)
            html = render_template_in(reportcards.CARD_TEMPLATE, {"s": snapshot, "qr": qr_data_url(url), "url": url,
                                                                  "key_id": settings.signer.key_id,
                                                                  "preview": False}, "vi")
            start = time.perf_counter()
            HTML(string=html).write_pdf()
            bare_times.append(time.perf_counter() - start)
        db.session.commit()
        issued = db.session.query(ReportCard).count()
    app_ms = statistics.median(app_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(f"report cards issued: {issued} (class 10A1, {len(rows)} pupils)")
    print(f"app path (snapshot, template, QR, WeasyPrint, hashes, signature, store): median {app_ms:.0f} ms, "
          f"p95 {sorted(app_times)[int(0.95 * (len(app_times) - 1))] * 1000:.0f} ms")
    print(f"bare WeasyPrint on the same HTML: median {bare_ms:.0f} ms")
    print(f"ratio app / bare: {app_ms / bare_ms:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
