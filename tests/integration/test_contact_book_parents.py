"""What parents and the school read of the contact book's messages: an announcement's text on
every channel outside the app, each school's quiet hours named for a parent with children in two
schools, and whom each message was about on the school's list of failures (a digest too)."""
from __future__ import annotations

from datetime import time

import pytest
import time_machine

from lms.auth.models import User
from lms.courses import comms
from lms.messaging import digest, dispatch, settings
from lms.people.models import School, SchoolClass
from tests.integration.test_contact_book import DAY, TZ, Mailbox, at, context, messages, set_up

ANNOUNCEMENT = ("Họp phụ huynh cuối học kỳ I",
                "Kính mời quý phụ huynh dự họp lúc 8 giờ sáng thứ Bảy 12/12/2026 tại phòng 6A1.\n"
                "Nội dung: kết quả học tập học kỳ I, kế hoạch ôn tập, các khoản thu học kỳ II.")


@pytest.fixture(autouse=True)
def _on_the_day():
    with time_machine.travel(at(DAY, 0, 1), tick=True):
        yield


@pytest.fixture
def smtp_set():
    """Guardians' e-mail goes through the contact book (as when SMTP is configured)."""
    from lms.messaging import routing

    routing.configure(email=True)
    yield
    routing.configure(email=False)


def test_an_announcement_reaches_parents_with_its_text_not_only_its_title(world, app, dbs, smtp_set):
    with dbs() as s:
        mother = set_up(s, app, world)
        mother.email = "lan.nguyen@gmail.com"
        settings.save_preference(s, mother, settings.PreferenceInput(True, True, True, False, None), now=at(DAY, 7))
        s.commit()
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, *ANNOUNCEMENT)
        s.commit()
        mailbox, noon = Mailbox(), at(DAY, 12)
        dispatch.send_due(s, noon, context(s, app, lambda: noon, mail=mailbox))
        [zns] = messages(s, channel="zns")
        data = zns.payload["sent"]["template_data"]
        assert "Kính mời quý phụ huynh dự họp lúc 8 giờ" in data["content"] and len(data["content"]) <= 200
        assert data["student_name"] == "6A1"                   # a class-wide notice names the class
        [(to, subject, body)] = mailbox
        assert to == "lan.nguyen@gmail.com" and subject.endswith("Họp phụ huynh cuối học kỳ I")
        assert ANNOUNCEMENT[1] in body and "\n" not in subject
        # By SMS (the parent without Zalo): the text, unaccented, within two segments.
        settings.save_preference(s, mother, settings.PreferenceInput(False, False, True, False, None), now=noon)
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Nghỉ học do bão", "Ngày mai 08/12 học sinh nghỉ học ở nhà do bão số 15.")
        s.commit()
        dispatch.send_due(s, noon, context(s, app, lambda: noon))
        sms = messages(s, channel="sms")[-1]
        assert "Ngay mai 08/12 hoc sinh nghi hoc o nha do bao so 15." in sms.payload["sent"]["text"]


def test_the_evening_digest_carries_an_announcements_text(world, app, dbs, smtp_set):
    with dbs() as s:
        mother = set_up(s, app, world)
        mother.email = "lan.nguyen@gmail.com"
        settings.save_preference(s, mother, settings.PreferenceInput(True, False, False, True, None), now=at(DAY, 7))
        s.commit()
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, *ANNOUNCEMENT)
        s.commit()
        evening = at(DAY, 19, 5)
        assert digest.compose_school(s, world.a.school.id, evening, TZ) >= 1
        mailbox = Mailbox()
        dispatch.send_due(s, evening, context(s, app, lambda: evening, mail=mailbox))
        [(_to, _subject, body)] = [m for m in mailbox if m[0] == "lan.nguyen@gmail.com"]
        assert "Kính mời quý phụ huynh dự họp" in body


def test_a_parent_with_children_in_two_schools_reads_each_schools_hours_by_name(world, app, dbs, make_client):
    with dbs() as s:
        row = settings.settings_of(s, world.b.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_start, data.digest_time = time(22, 0), time(20, 0)
        settings.save_settings(s, s.get(User, world.b.admin.id), s.get(School, world.b.school.id), data,
                               now=at(DAY, 7))
        s.commit()
    father = make_client()
    father.login("0912000002")
    page = father.get("/notices/settings").get_data(as_text=True)
    hours = page[page.index('id="school-hours"'):]
    hours = hours[:hours.index("</ul>")]
    assert hours.count("<li>") == 2
    assert "Trường THCS Thử A: giờ yên lặng 21:00–06:00; tin tóm tắt mặc định lúc 19:00." in hours
    assert "Trường THPT Thử B: giờ yên lặng 22:00–06:00; tin tóm tắt mặc định lúc 20:00." in hours
    # A digest time inside one school's quiet hours names that school.
    refused = father.post("/notices/settings", {"digest": "y", "digest_time": "21:30"})
    assert refused.status_code == 422 and "giờ yên lặng của Trường THCS Thử A (21:00–06:00)" in \
        refused.get_data(as_text=True)
    # Schools with the same hours share one line that names both.
    with dbs() as s:
        row = settings.settings_of(s, world.b.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_start, data.digest_time = time(21, 0), time(19, 0)
        settings.save_settings(s, s.get(User, world.b.admin.id), s.get(School, world.b.school.id), data,
                               now=at(DAY, 7))
        s.commit()
    page = father.get("/notices/settings").get_data(as_text=True)
    assert "Trường THCS Thử A, Trường THPT Thử B: giờ yên lặng 21:00–06:00" in page


def test_the_failures_list_names_the_pupils_of_a_digest(world, app, dbs, client, make_client):
    from lms.gradebook import book
    from lms.people.models import Course

    with dbs() as s:
        set_up(s, app, world, no_zalo="0912000001", prefs=("zalo",))
        course = s.get(Course, world.a.course.id)
        for code in ("HSA001", "HSA002"):
            book.save_grid(s, s.get(User, world.a.teacher.id), "teacher", course, 1,
                           [book.CellInput(world.a.students[code].id, "tx1", "8")], now=at(DAY, 10))
        s.commit()
        evening = at(DAY, 19, 5)
        digest.compose_school(s, world.a.school.id, evening, TZ)
        dispatch.send_due(s, evening, context(s, app, lambda: evening))
        [failed] = messages(s, kind="digest")
        assert failed.status == "failed" and failed.student_id is None
    client.login("admin.a")
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    row = page[page.index("Zalo account not existed") - 900:page.index("Zalo account not existed")]
    assert "<td>Nguyễn Văn An, Nguyễn Thị Bình</td>" in row
    # The parent's own list says whom each message was about, too.
    mother = make_client()
    mother.login("0912000001")
    mine = mother.get("/notices/settings").get_data(as_text=True)
    assert "· Nguyễn Văn An, Nguyễn Thị Bình" in mine[mine.index('id="my-messages"'):]
