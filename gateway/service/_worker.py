"""One worker thread that runs a service's queued jobs in order, woken when a job is queued.

Shared by the power service's upload jobs (``_jobs.IngestJobs``) and the report issuance
jobs (``_report_jobs.ReportJobs``): a subclass says which job is next (``_next``, read from
its table, so a restarted service finds its queue where the store left it) and how one
job runs to its end (``run``).
"""

from __future__ import annotations

import threading

__all__ = ["JobWorker"]


class JobWorker:
    thread_name = "jobs"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _next(self) -> str | None:
        raise NotImplementedError

    def run(self, job_id: str) -> None:
        raise NotImplementedError

    def wake(self) -> None:
        """A job was queued: look at the queue now rather than at the next tick."""
        self._wake.set()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            while not self._stop.is_set():
                job_id = self._next()
                if job_id is None:
                    break
                self.run(job_id)
