"""`make bench`: run every benchmark script in bench/ one after the other and write what each
printed, with the machine and the date, into docs/benchmarks.md (between the markers of the
"Latest `make bench` run" section; the curated tables and their discussion above stay as they are).

    .venv/bin/python bench/run_all.py              # the sizes of DESIGN.md and the issues (about an hour)
    .venv/bin/python bench/run_all.py --quick      # small sizes, to check that everything runs (minutes)
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- make bench: start -->", "<!-- make bench: end -->"

# (title, script, full-size arguments, quick arguments)
RUNS = [
    ("Exam autosave, 500 pupils every 10 s, beside the bare endpoint", "autosave.py",
     ["--students", "500", "--interval", "10", "--duration", "60"],
     ["--students", "50", "--interval", "5", "--duration", "10", "--warmup", "5", "--rounds", "1"]),
    ("Exam autosave, 1,500 pupils every 3 s, beside the bare endpoint", "autosave.py",
     ["--students", "1500", "--interval", "3", "--duration", "60"],
     ["--students", "100", "--interval", "3", "--duration", "10", "--warmup", "5", "--rounds", "1"]),
    ("Fee-deadline storm: VNPay IPNs and SePay webhooks, 100 in flight, beside the bare endpoint",
     "callback_storm.py", [],
     ["--invoices", "40", "--transfers", "40", "--copies", "3", "--forged", "20", "--concurrency", "20"]),
    ("Issuing invoices for 2,000 pupils; 10,000 payments one by one", "billing.py", [],
     ["--pupils", "200", "--payments", "200"]),
    ("Matching 10,000 bank transactions", "matching.py", [], ["--pupils", "300", "--transactions", "1000"]),
    ("Report card PDF beside bare WeasyPrint", "report_card_pdf.py", [], ["--cards", "3"]),
    ("40 logins at once from one address", "logins.py", [], ["--pupils", "10", "--rounds", "1"]),
    ("Exam start: 1,000 pupils of 25 classes arrive over 60 s, beside the bare baseline", "exam_start.py",
     ["--cpu-steps", "40"], ["--pupils", "60", "--classes", "3", "--arrival", "10", "--until", "20", "--cpu-steps", "5"]),
    ("The department's pages and half-year report at province size (300 schools, 165,600 pupils)", "province.py",
     ["--copies", "100", "--pupils", "150000"], ["--copies", "2", "--repeat", "2"]),
    ("Query count of every list page at 10 and at 1,000 rows", "list_queries.py", [],
     ["--small", "3", "--large", "12"]),
    ("Crash test: gunicorn killed and PostgreSQL stopped immediately during autosave load", "crash.py", [],
     ["--students", "40", "--duration", "16"]),
]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory_text = f"{memory / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory_text = "? GiB"
    return f"{os.cpu_count()} cores ({model}), {memory_text}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that every script runs")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per script")
    args = parser.parse_args()
    started = datetime.now().astimezone()
    sections = []
    for title, script, full, quick in RUNS:
        command = [sys.executable, str(ROOT / "bench" / script), *(quick if args.quick else full)]
        shown = " ".join(["bench/" + script, *(quick if args.quick else full)])
        print(f"== {shown}", flush=True)
        t0 = time.monotonic()
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
            output = done.stdout.strip() or "(no output)"
            if done.returncode:
                output += f"\n(exit {done.returncode})\n" + done.stderr.strip()[-1500:]
        except subprocess.TimeoutExpired:
            output = f"(stopped after {args.timeout} s)"
        elapsed = time.monotonic() - t0
        print(output, flush=True)
        sections.append(f"### {title}\n\n`{shown}` — {elapsed:.0f} s\n\n```\n{output}\n```\n")
    block = "\n".join([START, "## Latest `make bench` run", "",
                       f"{started:%Y-%m-%d %H:%M %Z} · {machine()} · "
                       f"{'quick sizes (--quick): a check that every script runs, not the targets' if args.quick else 'full sizes'}",
                       "", *sections, END])
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"written: {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
