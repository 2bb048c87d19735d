"""Outgoing e-mail over SMTP when configured (LMS_SMTP_HOST); otherwise nothing is sent."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; returns False (and logs) when it could not be sent."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST") or not to:
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg["MAIL_FROM"], to, subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
            smtp.send_message(msg)
        return True
    except (OSError, smtplib.SMTPException):
        current_app.logger.warning("e-mail to a user could not be sent")
        return False


def install_outbox(_app=None) -> None:
    """Send the e-mails a request queued (lms.core.notify) once its commit has succeeded, and
    forget them when it rolls back."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from lms.core.notify import drop_outbox, take_outbox

    @event.listens_for(Session, "after_commit")
    def _send(session):  # pragma: no branch - both paths are tested
        pending = take_outbox(session)
        if not pending or not has_app_context():
            return
        for mail in pending:
            send_mail(mail.to, mail.subject, mail.body)

    @event.listens_for(Session, "after_soft_rollback")
    def _forget(session, previous_transaction):
        drop_outbox(session)
