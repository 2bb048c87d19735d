"""Outgoing e-mail over SMTP when configured (LMS_SMTP_HOST); otherwise nothing is sent."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]] | None = None) -> bool:
    """Send one plain-text message, with (file name, MIME type, bytes) attachments; returns False
    (and logs) when it could not be sent."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST") or not to:
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg["MAIL_FROM"], to, subject
    msg.set_content(body)
    for name, mime, data in attachments or ():
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
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


def _send_outbox(session) -> None:
    from flask_babel import force_locale

    from lms.core.notify import message_text, take_outbox

    pending = take_outbox(session)
    if not pending or not has_app_context():
        return
    for mail in pending:
        with force_locale(mail.locale):  # the reader's language, not the sender's
            text = message_text(mail.kind, mail.params)
        send_mail(mail.to, text[:120], text)


def _forget_outbox(session, previous_transaction) -> None:
    from lms.core.notify import drop_outbox

    drop_outbox(session)


def install_outbox() -> None:
    """Send the e-mails a request queued (lms.core.notify) once its commit has succeeded, and
    forget them when it rolls back. Session events are global, so this registers once however
    many apps a process creates."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _send_outbox):
        event.listen(Session, "after_commit", _send_outbox)
        event.listen(Session, "after_soft_rollback", _forget_outbox)
