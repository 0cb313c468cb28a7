"""A running playground (stand-in, RefBot's real app, the page) on a free loopback port and a fresh
database file; stopped after the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from refbot.playground import server


@pytest.fixture
def playground(tmp_path) -> Iterator[server.Playground]:
    started: list[server.Playground] = []
    ready = threading.Event()
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.serve(database=tmp_path / "playground.db", port=0, stop=stop,
                         ready=lambda pg: (started.append(pg), ready.set()))
        except BaseException as exc:  # surfaced below
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="playground-under-test", daemon=True)
    thread.start()
    ready.wait(120)
    if failure:
        raise failure[0]
    assert started, "the playground did not start within 120 s"
    try:
        yield started[0]
    finally:
        stop.set()
        thread.join(30)
