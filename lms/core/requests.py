"""The one way a view ends a request that changes something.

    form = SomeForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            services.do_something(db.session, current_user, ...)
        if outcome.ok:
            flash(_("Đã lưu."), "success")
            return redirect(...)
    return render_template(...), status_of(form)

On success the request's work is committed once. On a `DomainError` the session is rolled back
(nothing half-saved), the refusal is shown on the field it names — or flashed at the top when it
names none — and the re-rendered form answers 422. Any other exception rolls back and propagates
to the generic error page. A service that answers refused lines instead of raising (a table shown
again with its errors) is discarded with `outcome.discard()`: rolled back, `outcome.ok` false.

A view, or a part of one, that must change nothing — a display-only page such as a gateway's
return page, the payment sandbox answering for a provider — runs it `with reading():`, which rolls
back whatever the block did when it ends (an exception propagates as it is), so its transaction is
closed before the view goes on: before it renders, or calls the app again in-process as a
provider's server would. A view that only renders what it read needs neither.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from lms.core.errors import DomainError
from lms.core.forms import show_error
from lms.extensions import db


@dataclass
class Outcome:
    ok: bool = False
    error: DomainError | None = None
    discarded: bool = False

    def discard(self) -> None:
        """Roll the block's work back instead of committing it, though nothing was raised: for
        services that answer a list of refused lines (a table shown again as typed, with its errors)."""
        self.discarded = True

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200


@contextmanager
def committing(form=None, *, fields: dict[str, str] | None = None, flash_error: bool = True) -> Iterator[Outcome]:
    """Run the block as the request's one unit of work (see the module's docstring).

    `fields` renames a service's field name to the form's where they differ. Without a form the
    refusal is flashed (unless `flash_error` is false: the caller reads `outcome.error` itself,
    e.g. to answer JSON)."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        if fields and exc.field in fields:
            exc.field = fields[exc.field]
        outcome.error = exc
        if form is not None:
            show_error(form, exc)
            form.refused = True
        elif flash_error:
            from flask import flash

            flash(str(exc.message), "danger")
    except BaseException:
        db.session.rollback()
        raise
    else:
        if outcome.discarded:
            db.session.rollback()
        else:
            db.session.commit()
            outcome.ok = True


@contextmanager
def reading() -> Iterator[None]:
    """Run the block as a unit of work that keeps nothing (see the module's docstring)."""
    try:
        yield
    finally:
        db.session.rollback()


def status_of(form) -> int:
    """200 for a fresh or valid form, 422 when it shows errors (its own or a service's refusal)."""
    return 422 if form is not None and (form.errors or getattr(form, "refused", False)) else 200
