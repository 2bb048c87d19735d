"""Command-line entry points (thin wrappers over services)."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from lms.extensions import db

ROLE_NAMES = {"admin": "Quản trị / Admin", "teacher": "Giáo viên / Teacher", "accountant": "Kế toán / Accountant",
              "student": "Học sinh / Student", "parent": "Phụ huynh / Parent",
              "department": "Sở GD&ĐT / Department viewer"}


def _format_logins(logins, base_url: str = "") -> str:
    from lms.demo import DEMO_PASSWORD

    lines = ["", "Tài khoản demo / Demo logins — mật khẩu / password: " + DEMO_PASSWORD]
    for login in logins:
        lines.append(f"  {ROLE_NAMES[login.role]:<30} {login.username:<16} {login.name} — {login.note}")
        if getattr(login, "code", ""):
            lines.append(f"  {'':<30} {'':<16} hoặc / or {login.code} tại / at {base_url.rstrip('/')}{login.address}")
    lines.append("  Học sinh đăng nhập bằng mã học sinh tại địa chỉ của trường, hoặc bằng mã.trường ở /login. / "
                 "Pupils sign in with the code at the address of the school, or with code.school at /login.")
    return "\n".join(lines) + "\n"


def demo_card_settings():
    """How the demo issues report cards: the app's own key and templates."""
    from lms.core.jobs import render_template_in
    from lms.gradebook.reportcards import settings_from_config

    return settings_from_config(current_app.config, render_template_in, current_app.extensions["lms_signer"])


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo school into an empty database and print the logins."""
        from lms.billing.secrets import box_from_config
        from lms.core.storage import storage_for
        from lms.demo import seed_demo
        from lms.people.models import School

        if db.session.scalar(select(func.count()).select_from(School)):
            click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua nạp demo. / Database not empty; demo not loaded.")
            saved = current_app.config["INSTANCE_DIR"] / "demo-logins.txt"
            if saved.exists():
                click.echo(saved.read_text(encoding="utf-8"))
            return
        logins = seed_demo(db.session, current_app.extensions["lms_auth"], storage_for(current_app.config),
                           current_app.config["UPLOAD_LIMITS_MB"],
                           card_settings=demo_card_settings() if current_app.config["DEMO_REPORT_CARDS"] else None,
                           signer=current_app.extensions["lms_signer"],
                           box=box_from_config(current_app.config),
                           base_url=current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000")
        db.session.commit()
        text = _format_logins(logins, current_app.config.get("PUBLIC_BASE_URL") or "")
        folder = current_app.config["INSTANCE_DIR"]
        (folder / "demo-logins.txt").write_text(text, encoding="utf-8")
        # The same list for tools (the browser tests, an accessibility crawl) that sign in as each role.
        (folder / "demo-logins.json").write_text(json.dumps([asdict(login) for login in logins], ensure_ascii=False,
                                                            indent=1), encoding="utf-8")
        click.echo(text)

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
    def worker_command(burst: bool):
        """Run background jobs from Redis (LMS_REDIS_URL); start as many as the load needs."""
        from redis import Redis
        from rq import Worker

        from lms.core import jobs

        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.UsageError("Chưa đặt LMS_REDIS_URL. / LMS_REDIS_URL is not set.")
        jobs.use_app(current_app._get_current_object())
        db.engine.dispose()
        Worker([jobs.RQRunner.QUEUE], connection=Redis.from_url(url)).work(burst=burst)

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Run every periodic task once, then stop.")
    def scheduler_command(once: bool):
        """Run the periodic work (closing overdue exam attempts, retrying jobs, asking gateways…) in
        this process. Several may run: each task still runs once per interval."""
        scheduler = current_app.extensions["lms_scheduler"]
        if once:
            for name, done in scheduler.run_once().items():
                click.echo(f"{name}: {'lỗi / failed' if done is None else done}")
            return
        click.echo(f"Chạy việc định kỳ mỗi {scheduler.interval} giây / periodic work every {scheduler.interval} s")
        scheduler.run()

    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(folder: Path):
        """Back up the database and the uploads into FOLDER (safe while the app runs)."""
        from lms.core.backup import backup
        from lms.core.timeutil import utcnow

        from lms.core.storage import storage_for

        database, uploads = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], storage_for(current_app.config),
                                   folder, utcnow())
        click.echo(f"Đã sao lưu / Backed up: {database}, {uploads}")

    @app.cli.command("restore")
    @click.argument("database", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Confirm: the current data is replaced.")
    def restore_command(database: Path, yes: bool):
        """Replace the database (and the uploads, when their archive is beside it) with a backup.
        Stop the app first."""
        from lms.core.backup import restore

        if not yes:
            raise click.UsageError("Dữ liệu hiện tại sẽ bị thay thế; thêm --yes để xác nhận. / "
                                   "The current data will be replaced; add --yes to confirm.")
        db.engine.dispose()
        from lms.core.storage import storage_for

        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], storage_for(current_app.config), database)
        click.echo(f"Đã khôi phục / Restored: {database}")

    @app.cli.command("create-school")
    @click.option("--code", required=True)
    @click.option("--name", required=True)
    @click.option("--levels", required=True, help="TH, THCS, THPT separated by commas")
    @click.option("--admin-username", required=True)
    @click.option("--admin-name", required=True)
    @click.option("--admin-email", default=None)
    def create_school_command(code, name, levels, admin_username, admin_name, admin_email):
        """Create a school with its first admin and print a one-time link to set the admin's password."""
        from flask import url_for

        from lms.auth.services import create_user, issue_reset_token
        from lms.people import services
        from lms.people.models import Role, School

        from lms.core.errors import DomainError

        import re

        if not re.match(r"^[A-Za-z0-9-]{2,20}$", code):
            # The code is the school's part of its accounts' names and of its sign-in address.
            raise click.ClickException("Mã trường chỉ gồm chữ không dấu, số và dấu gạch ngang (2–20 ký tự). / "
                                       "The school code is letters, digits and hyphens (2-20).")
        if db.session.scalar(select(func.count()).select_from(School).where(func.lower(School.code) == code.lower())):
            raise click.ClickException(f"Đã có trường mã {code}. / A school with code {code} exists.")
        school = School(code=code, name=name, levels=levels)
        try:
            db.session.add(school)
            db.session.flush()
            admin = create_user(db.session, None, username=admin_username, full_name=admin_name, email=admin_email)
            services.update_school(db.session, admin, school,
                                   services.SchoolDetails(name=name, levels=[v.strip() for v in levels.split(",")]))
            services.grant_role(db.session, admin, school, Role.ADMIN)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from exc
        token = issue_reset_token(db.session, current_app.extensions["lms_auth"], None, admin)
        db.session.commit()
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
            click.echo(url_for("auth.reset_password", t=token, _external=True))
