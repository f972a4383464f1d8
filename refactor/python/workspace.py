"""One warm rope project per workspace root, driven by one worker thread.

Concurrency model
-----------------
rope is not thread-safe, so every rope call for a workspace runs on that workspace's
single worker thread (a one-thread executor). Callers on other threads (the server's
event loop, the CLI) only *submit* jobs and get a `Job` back: a
`concurrent.futures.Future` plus a cancellation flag (and rope's own task handle, so a
long search stops at its next step). The server awaits jobs with
``asyncio.wrap_future`` and never blocks its loop.

Jobs have two priorities. Foreground jobs (requests: refactors, renames, code actions)
always run before queued background jobs (building the autoimport index), in the order
they were submitted. A background job that takes long calls `Session.yield_to_foreground`
between its steps, which runs the foreground jobs queued meanwhile right there, on the
worker thread: a request waits for one step of the index at most, never for the index.

Editor buffers override the disk: `set_buffer` records the unsaved text of an open
document and rope reads it through a custom file-system commands object, so every
refactor, cross-file ones included, sees what the user sees. Buffer and disk changes
are only *recorded* by the caller's thread; the worker applies them (tells rope's
observers, validates folders) at the start of its next job.

rope's data folder is disabled (``ropefolder=None``): nothing is written into the
user's repository. The autoimport index lives under the user cache dir instead.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from refactor.python.edits import Cancelled, RefactorError, normalize_newlines

if TYPE_CHECKING:
    from rope.base.project import Project
    from rope.base.resources import File

    from refactor.python.environment import Environment
    from refactor.python.layout import Layout

log = logging.getLogger(__name__)

T = TypeVar("T")

# (title, message, percent or None); called on the worker thread.
Progress = Callable[[str, str | None, int | None], None]

# Files that declare the project's layout (see `refactor.python.layout`).
_DECLARATIONS = ("pyproject.toml", "setup.cfg", "setup.py")

# Queue priorities: lower runs first; FIFO within one priority.
_CLOSE, FOREGROUND, BACKGROUND = -1, 0, 1


@dataclass
class Job(Generic[T]):
    """A submitted piece of rope work: its future, a cancel flag and progress sink."""

    future: concurrent.futures.Future[T]
    progress: Progress | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)
    _task_handle: Any = None

    def cancel(self) -> None:
        """Ask the job to stop; it raises `Cancelled` at its next check."""
        self._cancelled.set()
        self.future.cancel()
        handle = self._task_handle
        if handle is not None:
            handle.stop()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled()

    def result(self, timeout: float | None = None) -> T:
        return self.future.result(timeout)


class Session:
    """What a job function sees: the rope project and helpers, on the worker thread."""

    def __init__(self, workspace: PythonWorkspace, project: Project, job: Job[Any]) -> None:
        self.workspace = workspace
        self.project = project
        self.job = job
        self.task_handle = _task_handle(job)
        self.skipped: list[str] = []  # files left out of a search: they do not parse

    def over_python_files(self, fn: Callable[[list[Any]], T]) -> T:
        """Run ``fn(resources)`` over the workspace's Python files.

        A file that does not parse (a fixture, a half-edited buffer) or that vanished
        meanwhile (deleted, a dangling symlink) would make rope give up on the whole
        search; it is left out, recorded in `skipped`, and the search runs again.
        """
        from rope.base.exceptions import ModuleSyntaxError, ResourceNotFoundError

        # rope keeps its files in a set: sorted, so edits come in the same order every run
        resources = sorted(self.project.get_python_files(), key=lambda r: str(r.path))
        while True:
            self.check()
            try:
                return fn(resources)
            except ModuleSyntaxError as error:
                bad = [r for r in resources if r.path == error.filename]
                if not bad:
                    raise
                resources.remove(bad[0])
                self.skipped.append(self.path_of(bad[0]))
            except (FileNotFoundError, ResourceNotFoundError) as error:
                gone = [
                    r
                    for r in resources
                    if not os.path.exists(self.path_of(r))
                    and self.workspace.buffer(self.path_of(r)) is None
                ]
                if not gone:
                    raise RefactorError(f"a file vanished while rope read it: {error}") from error
                for resource in gone:
                    resources.remove(resource)
                    self.skipped.append(self.path_of(resource))

    def resource(self, path: str) -> File:
        """The rope file for an absolute path inside the workspace."""
        relative = self.workspace.relative(path)
        if relative is None:
            raise RefactorError(f"{path} is outside the workspace {self.workspace.root}")
        return self.project.get_file(relative)

    def path_of(self, resource: Any) -> str:
        return os.path.join(self.workspace.root, *str(resource.path).split("/"))

    def read(self, path: str) -> str:
        """The text rope sees for ``path`` (buffer or disk), LF-normalised."""
        return str(self.resource(path).read())

    def check(self) -> None:
        self.job.check()

    def yield_to_foreground(self) -> None:
        """Run the foreground jobs queued meanwhile (for background jobs, between steps).

        Raises `Cancelled` when this job was cancelled or the workspace is closing.
        """
        self.workspace._run_queued_foreground()
        self.check()


@dataclass(order=True)
class _Item:
    """A queued job, ordered by (priority, submission number); ``fn`` None closes."""

    priority: int
    number: int
    fn: Callable[[Session], Any] | None = field(compare=False)
    job: Job[Any] | None = field(compare=False)


def _task_handle(job: Job[Any]) -> Any:
    from rope.base.taskhandle import TaskHandle

    handle = TaskHandle("claude-lsp")
    job._task_handle = handle
    if job.cancelled:
        handle.stop()
    progress = job.progress
    if progress is not None:

        def observe() -> None:
            jobset = handle.current_jobset()
            if jobset is None:
                return
            percent = jobset.get_percent_done()
            progress(str(jobset.name), jobset.job_name, percent)

        handle.add_observer(observe)
    return handle


class PythonWorkspace:
    """A rope project for one root, with buffer overlays and one worker thread."""

    def __init__(self, root: str, python_path: str | None = None) -> None:
        self.root = os.path.realpath(root)
        self._python_path = python_path  # the claudeLsp.python.path setting
        self.layout: Layout | None = None  # set on the worker with the project
        self.environment: Environment | None = None
        # A daemon thread: queued background work (the import index) never keeps the
        # process alive after the editor asked it to exit.
        self._queue: queue.PriorityQueue[_Item] = queue.PriorityQueue()
        self._order = itertools.count()  # FIFO among jobs of one priority
        self._thread = threading.Thread(
            target=self._loop, name=f"rope-{os.path.basename(self.root)}", daemon=True
        )
        self._thread.start()
        self._lock = threading.Lock()
        self._buffers: dict[str, str] = {}
        self._pending_changed: set[str] = set()
        self._pending_validate = False
        self._project: Project | None = None
        self._closed = False
        self._reset = False
        self._queue_lock = threading.Lock()
        self.state: dict[str, Any] = {}  # per-workspace caches (autoimport: worker only)

    # -- called from any thread -------------------------------------------------------

    def relative(self, path: str) -> str | None:
        """``path`` relative to the root with '/' separators, or None when outside."""
        full = os.path.realpath(path)
        if full == self.root:
            return ""
        if not full.startswith(self.root + os.sep):
            return None
        return full[len(self.root) + 1 :].replace(os.sep, "/")

    def contains(self, path: str) -> bool:
        return self.relative(path) is not None

    def set_buffer(self, path: str, text: str | None) -> None:
        """Record an editor buffer's text (``None`` when it closes: disk is truth again)."""
        full = os.path.realpath(path)
        with self._lock:
            if text is None:
                self._buffers.pop(full, None)
            else:
                self._buffers[full] = text
            self._pending_changed.add(full)

    def buffer(self, path: str) -> str | None:
        with self._lock:
            return self._buffers.get(os.path.realpath(path))

    def files_changed(self, paths: list[str] | None = None) -> None:
        """Files changed on disk (``None``: anything may have changed, revalidate all).

        A changed project declaration (``pyproject.toml``, ``setup.cfg``, ``setup.py``
        at the root) may move the source folders: the next job opens a new project."""
        with self._lock:
            if paths is None:
                self._pending_validate = True
                return
            self._pending_changed.update(os.path.realpath(p) for p in paths)
            declarations = {os.path.join(self.root, n) for n in _DECLARATIONS}
            if declarations & {os.path.realpath(p) for p in paths}:
                self._reset = True

    def submit(
        self,
        fn: Callable[[Session], T],
        progress: Progress | None = None,
        *,
        background: bool = False,
    ) -> Job[T]:
        """Run ``fn`` on the worker thread; returns at once.

        ``background`` jobs run only when no foreground job is queued.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        job: Job[T] = Job(future, progress)
        priority = BACKGROUND if background else FOREGROUND
        # One lock with close(): a job is either queued before the stop marker (and then
        # cancelled by the worker's drain) or refused; never queued after the drain.
        with self._queue_lock:
            if self._closed:
                raise RefactorError("the Python workspace is closed")
            self._queue.put(_Item(priority, next(self._order), fn, job))
        return job

    def run(self, fn: Callable[[Session], T], timeout: float | None = None) -> T:
        """Submit and wait (for the CLI and tests, never on the event loop)."""
        return self.submit(fn).result(timeout)

    def close(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop: queued jobs are cancelled, the running one is asked to stop and finishes
        (awaited if ``wait``, for ``timeout`` seconds at most)."""
        with self._queue_lock:
            self._closed = True
            self._queue.put(_Item(_CLOSE, next(self._order), None, None))
        if wait:
            self._thread.join(timeout)

    # -- the worker thread ------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item.fn is None or item.job is None:
                break
            if self._closed:
                item.job.cancel()
            self._run(item.fn, item.job)
        while True:  # closed: cancel whatever is still queued
            try:
                rest = self._queue.get_nowait()
            except queue.Empty:
                break
            if rest.job is not None:
                rest.job.cancel()
        self._drop_project()  # on this thread: sqlite connections belong to their thread

    def _run_queued_foreground(self) -> None:
        """Run queued foreground jobs now (worker thread, from inside a background job)."""
        while True:
            if self._closed:
                raise Cancelled()
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item.priority != FOREGROUND or item.fn is None or item.job is None:
                self._queue.put(item)  # same priority and number: same place
                return
            self._run(item.fn, item.job)

    def _run(self, fn: Callable[[Session], T], job: Job[T]) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            job.check()
            project = self._ensure_project()
            self._apply_pending(project)
            result = fn(Session(self, project, job))
        except BaseException as error:
            job.future.set_exception(_translate(error))
        else:
            job.future.set_result(result)

    def set_python_path(self, python_path: str | None) -> bool:
        """Use another project interpreter (the setting changed); True when it did.

        The rope project and the import index are rebuilt by the next job."""
        with self._lock:
            if python_path == self._python_path:
                return False
            self._python_path = python_path
            self._reset = True
        return True

    def _ensure_project(self) -> Project:
        with self._lock:
            reset, self._reset = self._reset, False
        if reset and self._project is not None:
            self._drop_project()
        if self._project is None:
            from refactor.python.environment import environment, find_interpreter
            from refactor.python.layout import discover
            from refactor.python.project import open_project

            self.layout = discover(self.root)
            self.environment = environment(find_interpreter(self.root, self._python_path))
            log.info(
                "Python workspace %s: source folders %s, interpreter %s",
                self.root,
                self.layout.relative_folders() or ["."],
                self.environment.interpreter or "none (standard library only)",
            )
            self._project = open_project(
                self.root, _overlay_commands(self), self.layout, self.environment
            )
            with self._lock:  # a fresh project reads everything anew
                self._pending_changed.clear()
                self._pending_validate = False
        return self._project

    def _drop_project(self) -> None:
        """Close what holds files open (the import index's database), forget the project."""
        autoimport = self.state.pop("autoimport", None)
        if autoimport is not None:
            from refactor.python.imports import close_index

            close_index(autoimport)
        self._project = None

    def _apply_pending(self, project: Project) -> None:
        with self._lock:
            changed, self._pending_changed = self._pending_changed, set()
            validate, self._pending_validate = self._pending_validate, False
        if validate:
            project.validate()
        for path in changed:
            relative = self.relative(path)
            if relative is None:
                continue
            if os.path.exists(path) or path in self._buffers:
                resource = project.get_file(relative)
                # rope caches its file list and only drops it on a *created* event: a
                # file it has not listed yet (new on disk, or a new buffer) is created.
                created = resource not in project.get_files()
                for observer in list(project.observers):
                    if created:
                        observer.resource_created(resource)
                    else:
                        observer.resource_changed(resource)
            else:  # created or removed on disk: let rope find out from the folder
                parent = os.path.dirname(relative.rstrip("/"))
                project.validate(project.get_folder(parent))

    def read_for_rope(self, real_path: str) -> bytes | None:
        """The buffer text for ``real_path`` as bytes, or None to read the disk."""
        with self._lock:
            text = self._buffers.get(os.path.realpath(real_path))
        return None if text is None else normalize_newlines(text).encode("utf-8")


def _overlay_commands(workspace: PythonWorkspace) -> Any:
    """File-system commands that read open buffers first and refuse to write anything."""
    from rope.base.fscommands import FileSystemCommands

    class OverlayCommands(FileSystemCommands):  # type: ignore[misc]
        def read(self, path: str) -> bytes:
            data = workspace.read_for_rope(path)
            if data is not None:
                return data
            return super().read(path)  # type: ignore[no-any-return]

        def _refuse(self, *args: object) -> None:
            raise RefactorError("the Python engine computes edits; it never writes files")

        create_file = create_folder = move = remove = write = _refuse

    return OverlayCommands()


def _translate(error: BaseException) -> BaseException:
    """rope's exceptions as `RefactorError` with a message meant for the user."""
    if isinstance(error, RefactorError):
        return error
    try:
        from rope.base import exceptions
    except ImportError:  # pragma: no cover - rope is a dependency
        return error
    if isinstance(error, exceptions.InterruptedTaskError):
        return Cancelled()
    if isinstance(error, exceptions.ModuleSyntaxError):
        return RefactorError(f"the file does not parse: {error}")
    if isinstance(error, exceptions.RefactoringError | exceptions.BadIdentifierError):
        return RefactorError(str(error))
    if isinstance(error, exceptions.RopeError):
        return RefactorError(f"rope: {error}")
    return error


_registry: dict[str, PythonWorkspace] = {}
_registry_lock = threading.Lock()


def workspace_for(root: str, python_path: str | None = None) -> PythonWorkspace:
    """The shared workspace for ``root``, created on first use and kept warm
    (``python_path``: the interpreter setting it starts with)."""
    key = os.path.realpath(root)
    with _registry_lock:
        workspace = _registry.get(key)
        if workspace is None:
            workspace = _registry[key] = PythonWorkspace(key, python_path)
        return workspace


def all_workspaces() -> list[PythonWorkspace]:
    with _registry_lock:
        return list(_registry.values())


def close_all(wait: bool = True, timeout: float | None = None) -> None:
    """Close every workspace; with ``timeout``, all of them within that many seconds."""
    with _registry_lock:
        workspaces = list(_registry.values())
        _registry.clear()
    for workspace in workspaces:
        workspace.close(wait=False)
    if wait:
        deadline = None if timeout is None else time.monotonic() + timeout
        for workspace in workspaces:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            workspace.close(wait=True, timeout=left)
