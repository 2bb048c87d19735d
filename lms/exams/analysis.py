"""An exam's item analysis from its finished attempts: the test figures and, per slot, Moodle's
item statistics (`statistics.item_statistics`), how often each option was chosen, flags for
questions that are too easy, too hard or discriminate the wrong way, and a summary per topic and
cognitive level.

A slot is a question of a fixed-list exam; for a blueprint it is the k-th question a row of the
matrix drew (as Moodle's random slots), so every attempt has every slot.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.exams import mathtext, statistics
from lms.exams.models import Attempt, AttemptSlot, AttemptState, Exam, Response
from lms.exams.results import current_grades
from lms.i18n import lazy_gettext as _l

EASY, HARD, WEAK = 0.9, 0.2, 20.0   # facility above / below, discrimination index (%) below
FLAGS = {"easy": _l("Quá dễ"), "hard": _l("Quá khó"), "negative": _l("Phân loại ngược"),
         "weak": _l("Phân loại yếu")}


@dataclass
class Slot:
    key: tuple
    label: str
    max_e4: int
    question_ids: set[int] = field(default_factory=set)
    texts: dict[int, str] = field(default_factory=dict)
    qtype: str = ""
    topic: str = ""
    level: int | None = None
    options: list[tuple[str, str, bool]] = field(default_factory=list)   # id, text, right (fixed lists)
    chosen: Counter = field(default_factory=Counter)
    stats: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    attempts: int
    test: dict
    slots: list[Slot]
    groups: list[tuple[str, int | None, int, float | None]]   # topic, level, slots, mean facility


def _slot_keys(exam: Exam, slots: list[AttemptSlot]) -> list[tuple]:
    if exam.source != "blueprint":
        return [("q", s.question_id) for s in slots]
    seen: Counter = Counter()
    key_of = {}
    for s in sorted(slots, key=lambda x: x.id):            # the order they were drawn in
        seen[s.rule_position] += 1
        key_of[s.id] = ("r", s.rule_position, seen[s.rule_position])
    return [key_of[s.id] for s in slots]


def analyse(session: Session, exam: Exam) -> Analysis:
    attempts = list(session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                          Attempt.state == AttemptState.FINISHED)
                                    .order_by(Attempt.id)))
    ids = [a.id for a in attempts]
    by_attempt: dict[int, list[AttemptSlot]] = defaultdict(list)
    for slot in session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id.in_(ids or [0]))
                                .order_by(AttemptSlot.position)):
        by_attempt[slot.attempt_id].append(slot)
    grades = current_grades(session, ids)
    responses = {(r.attempt_id, r.position): r.value for r in session.scalars(
        select(Response).where(Response.attempt_id.in_(ids or [0])))}
    slots: dict[tuple, Slot] = {}
    rows: dict[int, dict[tuple, float]] = {}
    for attempt in attempts:
        mine = [s for s in by_attempt[attempt.id] if s.question.qtype != "description"]
        row = {}
        for slot, key in zip(mine, _slot_keys(exam, mine)):
            info = slots.get(key)
            if info is None:
                label = (str(_l("Dòng %(r)s của ma trận, câu %(k)s", r=key[1], k=key[2])) if key[0] == "r" else "")
                info = slots[key] = Slot(key, label, slot.mark_e4, qtype=slot.question.qtype, topic=slot.question.topic,
                                         level=slot.question.level)
                if key[0] == "q" and slot.question.qtype in ("single_choice", "multiple_choice"):
                    info.options = [(o["id"], o["text"], float(o["fraction"]) > 0)
                                    for o in slot.version.data.get("options", [])]
            info.question_ids.add(slot.question_id)
            info.texts.setdefault(slot.question_id, slot.version.text)
            grade = grades.get((attempt.id, slot.position))
            row[key] = (grade.mark_e4 or 0) / 10000 if grade is not None and grade.mark_e4 is not None else 0.0
            if info.options:
                value = responses.get((attempt.id, slot.position))
                picked = json.loads(value) if value else None
                for option_id in ([picked] if isinstance(picked, str) else picked or []):
                    info.chosen[option_id] += 1
        rows[attempt.id] = row
    ordered = sorted(slots.values(), key=lambda s: s.key)
    complete = [a for a in attempts if set(rows[a.id]) == {s.key for s in ordered}]
    result = statistics.item_statistics([[rows[a.id][s.key] for s in ordered] for a in complete],
                                        [s.max_e4 / 10000 for s in ordered]) if ordered and complete else \
        {"items": [{} for _ in ordered], "test": {}}
    for info, stats in zip(ordered, result["items"]):
        info.stats = stats
        facility, di = stats.get("facility"), stats.get("discrimination_index")
        if facility is not None and facility > EASY:
            info.flags.append("easy")
        if facility is not None and facility < HARD:
            info.flags.append("hard")
        if di is not None and di < 0:
            info.flags.append("negative")
        elif di is not None and di < WEAK and "easy" not in info.flags:
            info.flags.append("weak")
    groups: dict[tuple, list[float]] = defaultdict(list)
    for info in ordered:
        if info.stats.get("facility") is not None:
            groups[(info.topic or "", info.level)].append(info.stats["facility"])
    summary = [(topic, level, len(values), sum(values) / len(values)) for (topic, level), values in
               sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]
    return Analysis(len(complete), result["test"], ordered, summary)


def workbook(exam: Exam, analysis: Analysis) -> bytes:
    """The figures as an Excel workbook: the test, then one row per slot."""
    from lms.core.sheets import new_workbook, to_bytes

    wb = new_workbook()
    ws = wb.active
    ws.title = "De thi"
    ws.append([str(_l("Bài thi")), exam.title])
    ws.append([str(_l("Số bài làm")), analysis.attempts])
    for key, label in TEST_LABELS.items():
        ws.append([str(label), analysis.test.get(key)])
    items = wb.create_sheet("Cau hoi")
    items.append([str(_l("Câu")), str(_l("Nội dung")), str(_l("Chủ đề")), str(_l("Mức độ")), str(_l("Điểm tối đa")),
                  str(_l("Độ dễ (%)")), str(_l("Độ lệch chuẩn (%)")), str(_l("Chỉ số phân loại (%)")),
                  str(_l("Hiệu quả phân loại (%)")), str(_l("Trọng số thực (%)")), str(_l("Cảnh báo"))])
    for n, s in enumerate(analysis.slots, start=1):
        st = s.stats

        def pct(v):
            return None if v is None else round(v * 100, 2)

        items.append([n, s.label or mathtext.plain(next(iter(s.texts.values()), "")), s.topic, s.level, s.max_e4 / 10000,
                      pct(st.get("facility")), pct(st.get("sd")), _r(st.get("discrimination_index")),
                      _r(st.get("discriminative_efficiency")), _r(st.get("effective_weight")),
                      ", ".join(str(FLAGS[f]) for f in s.flags)])
    return to_bytes(wb)


def _r(value):
    return None if value is None else round(value, 2)


TEST_LABELS = {"mean": _l("Điểm trung bình"), "median": _l("Trung vị"), "sd": _l("Độ lệch chuẩn"),
               "skewness": _l("Độ lệch (skewness)"), "kurtosis": _l("Độ nhọn (kurtosis)"),
               "cronbach_alpha": _l("Hệ số tin cậy Cronbach alpha (%)"), "error_ratio": _l("Tỷ lệ sai số (%)"),
               "standard_error": _l("Sai số chuẩn")}
