"""``use_process=True``: a UDF's batches run in worker processes, so CPU-bound
Python code runs on several cores instead of taking turns on one GIL.

Each UDF (one ``@daft.func`` or ``@daft.cls`` instance) has its own pool of at
most ``max_concurrency`` (default: the machine's cores) workers, started on
first use. A worker is a fresh interpreter, ``python -m daft._udf._worker``,
not a fork: it never inherits the engine's threads or locks, and it never
re-runs the user's script (which a ``multiprocessing`` spawn would import
again). The UDF travels to the worker with cloudpickle, once per worker; each
batch travels as its Arrow arrays, and the result comes back the same way.
A ``@daft.cls`` instance is therefore built once in each worker process.

An exception in the worker comes back as itself, with the worker's traceback
attached as its ``__cause__``. A worker that dies (a crash, ``os._exit``)
fails the batch with an error naming the UDF and the exit code; the next
batch starts a new worker. On Ctrl-C the worker running an interrupted
batch is killed.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any, BinaryIO

from daft._udf._runner import Runner, UdfInterrupted, _import

# How often a waiting batch checks whether its query was interrupted.
_POLL_S = 0.05


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a UDF worker process."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


class UdfWorkerDied(RuntimeError):
    """A UDF worker process exited while it ran a batch."""


def _write(out: BinaryIO, message: Any) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


class _Worker:
    """One worker process and the pipes to it."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "daft._udf._worker", str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                # A worker must not take the terminal's Ctrl-C: the engine
                # decides when a batch stops.
                start_new_session=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.send = os.fdopen(to_child_w, "wb")
        self.recv_fd = from_child_r
        self.recv = os.fdopen(from_child_r, "rb")
        self.loaded: set[str] = set()
        _write(self.send, ("path", list(sys.path)))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        for f in (self.send, self.recv):
            try:
                f.close()
            except OSError:
                pass

    def close(self) -> None:
        try:
            _write(self.send, ("exit",))
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        self.kill()


class _Pool:
    """The worker processes of one UDF: idle workers are reused, at most
    ``size`` exist, and a batch waits for one when all are busy."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: list[_Worker] = []
        self.count = 0
        self.cond = threading.Condition()
        self.closed = False
        _POOLS.add(self)

    def take(self) -> _Worker:
        with self.cond:
            while True:
                if self.closed:
                    raise RuntimeError("the UDF worker processes were shut down")
                while self.idle:
                    w = self.idle.pop()
                    if w.alive():
                        return w
                    w.kill()
                    self.count -= 1
                if self.count < self.size:
                    self.count += 1
                    break
                self.cond.wait()
        try:
            return _Worker()
        except BaseException:
            with self.cond:
                self.count -= 1
                self.cond.notify()
            raise

    def give_back(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.kill()
        with self.cond:
            if healthy and not self.closed:
                self.idle.append(worker)
            else:
                self.count -= 1
                if healthy:
                    worker.close()
            self.cond.notify()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            idle, self.idle = self.idle, []
            self.count -= len(idle)
            self.cond.notify_all()
        for w in idle:
            w.close()


_POOLS: weakref.WeakSet[_Pool] = weakref.WeakSet()


@atexit.register
def _close_pools() -> None:
    for pool in list(_POOLS):
        pool.close()


class ProcessPool:
    """The lazily started pool of one UDF (a :class:`Func` holds one)."""

    def __init__(self, size: int | None) -> None:
        self._size = size or os.cpu_count() or 1
        self._pool: _Pool | None = None
        self._lock = threading.Lock()

    def get(self) -> _Pool:
        with self._lock:
            if self._pool is None:
                self._pool = _Pool(self._size)
            return self._pool


class ProcessRunner:
    """Stands where a :class:`Runner` stands in the plan; runs each batch on a
    worker of ``pool``."""

    def __init__(self, runner: Runner, pool: ProcessPool) -> None:
        import cloudpickle

        self.name = runner.name
        try:
            self._payload = cloudpickle.dumps(runner)
        except Exception as e:  # noqa: BLE001  (anything unpicklable: say which UDF)
            raise ValueError(
                f"UDF {runner.name} has use_process=True, so it must be picklable with "
                f"cloudpickle to reach its worker processes: {type(e).__name__}: {e}"
            ) from e
        # Unique for the process's life (an id() could be reused by a later
        # runner, which a worker would then mistake for this one).
        self._key = uuid.uuid4().hex
        self._pool = pool

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to another process (a Ray worker, where each task already runs in a
        # process of its own), the UDF runs in that process, without a pool there.
        import cloudpickle

        return (cloudpickle.loads, (self._payload,))

    def __call__(self, capsules: list[tuple[Any, Any]], num_rows: int, stop: Callable[[], bool]):
        arrays = [_import(c) for c in capsules]
        pool = self._pool.get()
        worker = pool.take()
        healthy = False
        try:
            payload = None if self._key in worker.loaded else self._payload
            _write(worker.send, ("call", self._key, payload, arrays, num_rows))
            worker.loaded.add(self._key)
            while not select.select([worker.recv_fd], [], [], _POLL_S)[0]:
                if stop():
                    raise UdfInterrupted(self.name)
                if not worker.alive():
                    break
            try:
                reply = pickle.load(worker.recv)
            except (EOFError, OSError, pickle.UnpicklingError):
                code = worker.proc.wait()
                raise UdfWorkerDied(
                    f"UDF {self.name}: its worker process (pid {worker.proc.pid}) exited with "
                    f"code {code} while running a batch"
                ) from None
            healthy = True
            if reply[0] == "ok":
                return reply[1]
            _, exc, text = reply
            exc.__cause__ = RemoteTraceback(text)
            raise exc
        finally:
            pool.give_back(worker, healthy)
