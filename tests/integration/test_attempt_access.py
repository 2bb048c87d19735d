"""An exam attempt's page stops saving when its pupil's sessions are ended, and access codes cannot
be guessed without limit.

Before: the attempt ticket (the autosave's credential, signed once when the page opened) kept
saving answers after an admin ended the pupil's sessions and locked the account; and a wrong
access code could be tried again at once, forever.
"""
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from lms.core.timeutil import utcnow
from lms.exams.models import Response
from tests.factories import make_bank, make_exam
from tests.integration.test_exams import _right, _slots, _start, _ticket


def _save(client, attempt_id: int, data: dict, ticket: str):
    """What the attempt page's script sends: the ticket, no session and no form token."""
    return client.http.post(f"/attempts/{attempt_id}/save", json=data,
                            headers={"X-Attempt-Ticket": ticket, "Accept": "application/json"})


def _open_attempt(dbs, world, client, **settings):
    with dbs() as s:
        bank = make_bank(s, world.a)
        exam = make_exam(s, world.a, bank.questions[:4], **settings)
        s.commit()
        exam_id = exam.id
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    return exam_id, attempt_id, _slots(dbs, attempt_id)


def _saved(dbs, attempt_id) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))


def test_ending_sessions_or_locking_stops_the_open_page_from_saving(world, client, dbs, make_client):
    _exam_id, attempt_id, slots = _open_attempt(dbs, world, client)
    ticket = _ticket(client, attempt_id)
    position, _qtype, data, _layout = slots[0]
    ok = _save(client, attempt_id, {"position": position, "value": _right(data), "seq": 1}, ticket)
    assert ok.status_code == 200, ok.get_json()
    admin = make_client()
    admin.login("admin.a")
    pupil_user = world.a.students["HSA001"].user_id
    assert admin.post(f"/school/users/{pupil_user}/sessions", {}).status_code == 302
    refused = _save(client, attempt_id, {"position": slots[1][0], "value": "x", "seq": 1}, ticket)
    assert refused.status_code >= 400 and _saved(dbs, attempt_id) == 1, refused.get_json()
    # Locking the account as well: still nothing saved with the old ticket.
    assert admin.post(f"/school/users/{pupil_user}/active", {}).status_code == 302
    refused = _save(client, attempt_id, {"position": slots[1][0], "value": "x", "seq": 2}, ticket)
    assert refused.status_code >= 400 and _saved(dbs, attempt_id) == 1


def test_after_signing_in_again_the_pupil_continues(world, client, dbs, make_client):
    _exam_id, attempt_id, slots = _open_attempt(dbs, world, client)
    old = _ticket(client, attempt_id)
    admin = make_client()
    admin.login("admin.a")
    admin.post(f"/school/users/{world.a.students['HSA001'].user_id}/sessions", {})
    again = make_client()
    again.login("hsa001")
    fresh = _ticket(again, attempt_id)  # reopening the attempt binds it to this device
    position, _qtype, data, _layout = slots[0]
    assert _save(again, attempt_id, {"position": position, "value": _right(data), "seq": 1},
                 fresh).status_code == 200
    assert old  # the page that was open before had one too


def test_access_code_guesses_are_limited_per_pupil(world, client, dbs, make_client):
    with dbs() as s:
        bank = make_bank(s, world.a)
        exam_id = make_exam(s, world.a, bank.questions[:2], access_code="BIMAT7").id
        s.commit()
    client.login("hsa001")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(3):
            assert client.post(f"/exams/{exam_id}", {"access_code": "sai"}).status_code == 422
        # After the free tries each guess waits; guessing on anyway locks for a quarter of an hour.
        assert client.post(f"/exams/{exam_id}", {"access_code": "BIMAT7"}).status_code == 429
        for _ in range(2):
            traveller.shift(timedelta(seconds=61))
            client.post(f"/exams/{exam_id}", {"access_code": "sai nữa"})
        traveller.shift(timedelta(seconds=61))
        locked = client.post(f"/exams/{exam_id}", {"access_code": "BIMAT7"})
        assert locked.status_code == 429 and "quá nhiều lần" in locked.get_data(as_text=True)
        # Another pupil is not affected; the lock ends.
        other = make_client()
        other.login("hsa002")
        assert other.post(f"/exams/{exam_id}", {"access_code": "BIMAT7"}).status_code == 302
        traveller.shift(timedelta(minutes=16))
        assert client.post(f"/exams/{exam_id}", {"access_code": "bimat7"}).status_code == 302
