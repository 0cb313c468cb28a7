"""Acknowledge first, then queue: how RefBot keeps Slack's 3-second acknowledgement under load.

Bolt runs each listener in a thread pool; the HTTP answer Slack waits for goes out as soon as the
listener calls `ack()`. On two cores and one GIL, thirty listeners searching at once make every `ack()`
wait for the CPU too. So listeners acknowledge freely, then take one of a few work slots before doing
the rest (ranking, rendering, database writes, Slack calls); the others wait blocked, costing no CPU.

- `WorkGate`: a counting semaphore whose waiters are served by priority, then first come first served.
- `GatedAck`: Bolt's `Ack`; after the response is set, a listener thread takes a slot.
- `take_slot()`: event listeners (Bolt acknowledges events before they start) call it once they know
  there is work to do, so the many channel messages that are no reference ask never wait for a slot.
- `slot_released()`: gives the slot back while a listener only waits (a Slack rate limit's Retry-After).
- `GatedExecutor`: the listener pool; every task gives its slot back when it ends.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

# Lower runs first. Opening a modal must beat the trigger_id's 3 s, so clicks and form-opening commands
# go before searches and Home tabs, and those before channel messages.
INTERACTIVE = 0
COMMAND = 1
BACKGROUND = 2


class WorkGate:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a work gate needs at least one slot")
        self._free = slots
        self._waiting: list[tuple[int, int, threading.Event]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def acquire(self, priority: int = COMMAND) -> None:
        with self._lock:
            if self._free > 0 and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            heapq.heappush(self._waiting, (priority, next(self._order), turn))
        turn.wait()  # the releasing thread handed its slot over to us

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                heapq.heappop(self._waiting)[2].set()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)


class _Task(threading.local):
    gate: WorkGate | None = None
    holding = False
    priority = COMMAND


_task = _Task()  # the work slot state of the listener task a pool thread is running
_dispatching = threading.local()  # the GatedAck of the request the current (HTTP) thread dispatches


def _enter(priority: int) -> None:
    gate = _task.gate
    if gate is not None and not _task.holding:
        _task.priority = priority
        gate.acquire(priority)
        _task.holding = True


def take_slot() -> None:
    """Wait for a work slot now (no-op outside a listener task, or when it holds one already)."""
    _enter(_task.priority)


@contextlib.contextmanager
def slot_released() -> Iterator[None]:
    """Give the slot back for the duration of the block (the listener only waits), then take it again."""
    gate = _task.gate
    if gate is None or not _task.holding:
        yield
        return
    gate.release()
    _task.holding = False
    try:
        yield
    finally:
        _enter(_task.priority)


class GatedAck(Ack):
    def __init__(self, priority: int) -> None:
        super().__init__()
        self.priority = priority

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        _enter(self.priority)  # Slack has its answer; now wait for a work slot (pool threads only)
        return response


class GatedExecutor(Executor):
    """The listener pool. Large, because a waiting listener costs a blocked thread and nothing else,
    while a task queued behind busy threads would delay its acknowledgement. (ThreadPoolExecutor
    counts a thread as idle once it finished one task, even if it went on with the next, so it would
    queue new tasks behind listeners waiting for the gate: this pool counts idle threads exactly.)"""

    def __init__(self, gate: WorkGate, *, max_workers: int = 128) -> None:
        self.gate = gate
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._shut = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        ack: GatedAck | None = getattr(_dispatching, "ack", None)
        gate = self.gate

        def task() -> Any:
            _task.gate, _task.holding = gate, False
            _task.priority = ack.priority if ack is not None else COMMAND
            try:
                return fn(*args, **kwargs)
            finally:
                if _task.holding:
                    gate.release()
                _task.gate, _task.holding = None, False

        future: Future[Any] = Future()
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot schedule new work after shutdown")
            self._queue.put((future, task))
            if self._idle > 0:
                self._idle -= 1  # an idle thread takes it now
                return future
            if len(self._threads) >= self.max_workers:
                return future  # every thread is busy: the task waits for the first one free
            thread = threading.Thread(target=self._work, name=f"refbot-listener-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
        thread.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, task = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(task())
                except BaseException as exc:  # noqa: BLE001 - handed to the future, as ThreadPoolExecutor does
                    future.set_exception(exc)
            del item, future, task
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shut = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)  # after the queued tasks: they still run
        if wait:
            for thread in threads:
                thread.join()


class GateMiddleware(Middleware):
    """Global Bolt middleware (after the signature check, in the thread that dispatches the request):
    gives the request a GatedAck with its priority. A Middleware subclass, not a function, so Bolt does
    not build listener arguments from a body that may be malformed."""

    def __init__(self, priority_of: Callable[[dict[str, Any]], int]) -> None:
        self.priority_of = priority_of

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        body = req.body if isinstance(req.body, dict) else {}
        ack = GatedAck(self.priority_of(body))
        req.context["ack"] = ack
        _dispatching.ack = ack
        return next()
