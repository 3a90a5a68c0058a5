"""A report jobs worker process for the kill test:
``python run_report_jobs.py DB_URL LEDGER_FILE PAUSE_AT COMMIT_FIRST``.

Runs the service's :class:`ReportJobs` over the store and the file-backed fake steps
(report_steps_fake.py) until no job is active, then prints ``idle``. At the pause point
named ``PAUSE_AT`` (``frozen``, ``sent``, ``issued``, ``bundled``; ``-`` for none) it prints
``paused <point>`` and sleeps, to be killed there with SIGKILL.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import select

from gateway.service._report_jobs import ACTIVE, ReportJobs
from gateway.service.store import ReportJob, Store
from tests.unit.gateway.service.report_steps_fake import FileReportSteps


def main() -> None:
    url, ledger, pause_at, commit_first = sys.argv[1:5]

    def pause(point: str) -> None:
        if point == pause_at:
            print(f"paused {point}", flush=True)
            time.sleep(3600)

    store = Store(url, upgrade=False)
    steps = FileReportSteps(Path(ledger), commit_first=commit_first == "1")
    jobs = ReportJobs(store, lambda: steps, pause)
    jobs.start()
    while True:
        time.sleep(0.05)
        with store.session() as s:
            if not s.execute(select(ReportJob.id).where(ReportJob.state.in_(ACTIVE))).first():
                break
    jobs.stop()
    print("idle", flush=True)


if __name__ == "__main__":
    main()
