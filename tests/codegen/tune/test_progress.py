"""The progress bar: redrawn in place on a terminal, plain lines (no carriage returns, no escape
codes) in a log; the best so far after every trial."""

from __future__ import annotations

import io

from codegen.tune.progress import Progress, best_of
from codegen.tune.records import TrialRecord, TrialState


def rec(n, acc, ms, **kw):
    return TrialRecord(n, TrialState.MEASURED, accuracy=acc, latency_ms=ms, ram_bytes=8192, flash_bytes=30000,
                       float_accuracy=acc, seconds=12.0, **kw)


def drive(p: Progress) -> None:
    p.start(0, [("width", 0.5)])
    for e in range(1, 4):
        p.stage(f"training {e}/3")
    p.stage("building")
    p.finish(rec(0, 0.9, 1.2))
    p.start(1, [("width", 0.25)])
    p.stage("training 1/3")
    p.finish(TrialRecord(1, TrialState.REJECTED, reason="flash: over budget", seconds=3.0))
    p.close()


def test_a_log_gets_plain_lines_only():
    out = io.StringIO()
    drive(Progress(2, stream=out))
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "[--------------------] 0/2 trial 0: width=0.5"
    assert lines[1].startswith("[##########----------] 1/2 trial 0 (12 s): 90.0% (float 90.0%), 1.2 ms")
    assert "best: 90.0% at 1.2 ms" in lines[2] and "(trial 0)" in lines[2]
    assert "1/2 trial 1: width=0.25" in lines[3] and "rejected: flash: over budget" in lines[4]
    assert "training" not in text and len(lines) == 6


def test_a_terminal_gets_one_redrawn_status_line():
    out = io.StringIO()
    drive(Progress(2, stream=out, tty=True))
    text = out.getvalue()
    assert text.count("\r\x1b[K") >= 6 and "training 2/3 | no best yet" in text
    assert "training 1/3 | best 90.0% (trial 0)" in text
    assert text.endswith("\n") or text.endswith("\r\x1b[K")


def test_the_best_is_the_most_accurate_within_budget():
    a, b = rec(0, 0.9, 1.0), rec(1, 0.9, 0.5)
    c = rec(2, 0.99, 0.1, violations=("ram",))
    assert best_of([a, b, c]).number == 1 and best_of([c]) is None
