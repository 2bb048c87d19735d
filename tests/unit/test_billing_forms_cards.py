"""Every billing form a person types text into refuses a full card number on its field, with one
check in the forms' base (lms.billing.forms.BillingForm) — not a list of fields per service."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lms.billing import forms
from lms.core.forms import MoneyField

CARD = "4111 1111 1111 1111"


def _text_fields(form):
    from wtforms import StringField, TextAreaField

    return [f for f in form if isinstance(f, (StringField, TextAreaField)) and not isinstance(f, MoneyField)
            and f.name != "csrf_token"]


TYPED = [c for c in vars(forms).values() if isinstance(c, type) and issubclass(c, forms.Form)
         and c not in (forms.Form, forms.BillingForm, forms.ChannelForm, forms.SimulateTransferForm)]


@pytest.mark.parametrize("form_class", TYPED, ids=lambda c: c.__name__)
def test_every_text_field_of_every_billing_form_refuses_a_card_number(app, form_class):
    assert issubclass(form_class, forms.BillingForm)
    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        probe = form_class(formdata=MultiDict())
        for field in _text_fields(probe):
            form = form_class(formdata=MultiDict({field.name: CARD}))
            assert not form.validate()
            assert any("giống số thẻ ngân hàng" in str(e) for e in form[field.name].errors), (field.name, form.errors)
