"""Training > Check before training: the sanity checks off the GUI thread, findings into the Problems dock.

`CheckRunner` starts a `app.jobs.CheckWorker` on the training controller (so it
never runs beside a training run, and Stop or closing the window ends it) on a
snapshot of the project. Each finding lands in the Problems dock as it is found,
pinned to its node (its ids are the project's: the snapshot keeps them), ``ok``
lines included, under the source ``check: <family>``. A bar above the list says
what is going on and cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.docks.problems import Note, ProblemsWidget, notes_from_findings
from app.document import Document
from app.jobs import CheckWorker
from app.training_worker import TrainingController, snapshot

SOURCE = "checks"


class CheckRunner(QObject):
    status_message = Signal(str)
    finished = Signal(list)  # the findings (empty when the checks failed to run)

    def __init__(self, document: Document, controller: TrainingController, problems: ProblemsWidget, parent=None):
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.problems = problems
        self.findings: list = []
        self._project = None  # the project being checked (findings for a replaced one are dropped)
        self._cancelled = False
        problems.cancel_requested.connect(self.cancel)
        document.project_replaced.connect(self._project_replaced)

    @property
    def running(self) -> bool:
        return self.controller.kind == CheckWorker.kind

    def start(self) -> bool:
        """Run every check on the project as it is now; False (and a note why) when something else runs."""
        if self.controller.running:
            self.status_message.emit("Wait for the running job to end (or stop it) before checking.")
            return False
        self.findings = []
        self._project, self._cancelled = self.document.project, False
        self.problems.set_notes(SOURCE, [])
        worker = CheckWorker(snapshot(self.document.project))
        worker.finding.connect(self._found)
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        self.problems.show_progress("Checking: building the model and loading the data…")
        self.status_message.emit("Checking the network before training…")
        return self.controller.start_job(worker)

    def cancel(self) -> None:
        if self.running:
            self._cancelled = True
            self.controller.stop()
            self.problems.show_progress("Cancelling after the current check…")

    def _current(self) -> bool:
        return self.document.project is self._project

    def _found(self, finding) -> None:
        if not self._current():
            return
        self.findings.append(finding)
        self.problems.add_note(SOURCE, notes_from_findings([finding])[0])
        self.problems.show_progress(f"Checking… {len(self.findings)} results so far ({finding.check} done)")

    def _done(self, findings: list) -> None:
        if not self._current():
            return
        self.problems.hide_progress()
        counts = {severity: sum(1 for f in findings if f.severity == severity) for severity in ("fail", "warn", "ok")}
        text = f"{counts['fail']} failed, {counts['warn']} warnings, {counts['ok']} passed."
        text = f"Checks cancelled: {text}" if self._cancelled else f"Checks: {text}"
        self.status_message.emit(text)
        self.finished.emit(list(findings))

    def _failed(self, message: str) -> None:
        if not self._current():
            return
        self.problems.hide_progress()
        network = next(iter(self.document.project.networks), "")
        self.problems.add_note(SOURCE, Note("error", network, "", "", message, "check: setup"))
        self.status_message.emit(f"The checks could not run: {message}")
        self.finished.emit([])

    def _project_replaced(self) -> None:
        # The findings were about the project that is gone (a running check is stopped by the Training dock).
        self.problems.hide_progress()
        self.problems.set_notes(SOURCE, [])
