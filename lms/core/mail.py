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


def _queue_outbox(session) -> None:
    """Before a commit: the notices' e-mails this transaction queued (lms.core.notify) become one
    background job, written in the same transaction — sent only if the commit succeeds, by a
    worker rather than the request, and tried again later if the SMTP server fails."""
    from lms.core import jobs
    from lms.core.notify import CLAIMED_KEY, route_pending, take_outbox

    claimed = route_pending(session)
    pending = [m for m in take_outbox(session) if (m.user_id, m.school_id) not in claimed]
    if not session.in_nested_transaction():
        session.info.pop(CLAIMED_KEY, None)     # the transaction ends here
    if not pending or not has_app_context() or not mail_configured():
        return
    messages = [{"to": m.to, "locale": m.locale, "kind": m.kind, "params": m.params} for m in pending]
    jobs.enqueue(session, None, "notification_mail", {"messages": messages}, school_id=None, total=len(messages))


def _forget_outbox(session, previous_transaction) -> None:
    from lms.core.notify import drop_outbox

    drop_outbox(session)


def _send_notification_mail(session, ctx) -> None:
    """Send a batch of notices' e-mails, each in its reader's language. What could not be sent is
    kept in the job for the next try."""
    from flask_babel import force_locale

    from lms.core import jobs
    from lms.core.notify import message_body, message_text
    from lms.i18n import lazy_gettext as _l

    messages = ctx.params.get("messages", [])
    unsent = []
    for mail in messages:
        with force_locale(mail["locale"]):  # the reader's language, not the sender's
            subject, text = message_text(mail["kind"], mail["params"]), message_body(mail["kind"], mail["params"])
        if not send_mail(mail["to"], subject[:120], text):
            unsent.append(mail)
    if unsent:
        ctx.job.params = {**ctx.params, "messages": unsent}
        ctx.progress(ctx.job.total - len(unsent))
        raise jobs.RetryLater(_l("%(n)s thư chưa gửi được; sẽ thử lại.", n=len(unsent)))
    ctx.progress(ctx.job.total)


def install_outbox() -> None:
    """Turn the e-mails a transaction queued into a job at its commit, and forget them when it
    rolls back. Session events are global, so this registers once however many apps a process
    creates."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from lms.core import jobs

    jobs.handler("notification_mail")(_send_notification_mail)
    if not event.contains(Session, "before_commit", _queue_outbox):
        event.listen(Session, "before_commit", _queue_outbox)
        event.listen(Session, "after_soft_rollback", _forget_outbox)
