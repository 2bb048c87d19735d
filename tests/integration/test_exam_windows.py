"""What a window of an attempt left open asks when it comes back into view: the answers the server
holds with their sequence numbers (static/js/attempt.js compares them with its own and shows those
changed in another window). Read by the page's ticket, like the save: none without it, and a ticket
opens only its own attempt."""
from __future__ import annotations

from tests.integration.test_exams import _exam_and_bank, _json, _right, _slots, _start, _ticket


def test_a_window_coming_back_reads_the_answers_the_server_holds(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    position, _qtype, data, _layout = _slots(dbs, attempt_id)[0]
    ticket = _ticket(client, attempt_id)
    for seq in (1, 2):   # two saves, the second from another window
        assert _json(client, f"/attempts/{attempt_id}/save", {"position": position, "value": _right(data), "seq": seq},
                     ticket=ticket).status_code == 200
    read = client.http.get(f"/attempts/{attempt_id}/answers", headers={"X-Attempt-Ticket": ticket})
    assert read.status_code == 200 and read.headers["Cache-Control"] == "no-store"
    assert read.get_json() == {"answers": {str(position): {"seq": 2, "value": _right(data)}}}
    assert client.http.get(f"/attempts/{attempt_id}/answers").status_code == 401
    other = make_client()
    other.login("hsa002")
    other_attempt = _start(other, exam_id)
    assert other.http.get(f"/attempts/{other_attempt}/answers",
                          headers={"X-Attempt-Ticket": ticket}).status_code == 401
