"""gunicorn's threaded worker, reading each request whole before a thread takes it.

gunicorn's `gthread` worker hands a connection to a worker thread as soon as its first byte arrives; the
thread then reads the rest with blocking reads. A client sending one byte a second holds a thread for as
long as it likes, and 32 such clients stop the server (`/healthz` included). `BufferedThreadWorker` reads
in the worker's event loop instead, without blocking: only a request whose headers and body are all there
goes to a thread. A request not complete within `READ_SECONDS` (from its first byte, or from the
connection for a client that sends nothing) is dropped, as is one whose body is larger than `MAX_BODY`
(413). Behind a reverse proxy that buffers requests (nginx does by default) none of this is reached.
Over TLS terminated by gunicorn itself (`--certfile`) it falls back to gthread's behaviour."""

from __future__ import annotations

import contextlib
import errno
import re
import selectors
import time
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker

READ_SECONDS = 10.0  # a whole request (headers and body) must arrive within this
MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB; a view with 100 blocks stays well under 1 MB
MAX_HEAD = 64 * 1024
SEND_SECONDS = 30.0  # a response the client does not read within this is abandoned

_CONTENT_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)
_CHUNKED = re.compile(rb"^transfer-encoding:.*chunked", re.IGNORECASE | re.MULTILINE)
_TOO_LARGE = b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def request_complete(data: bytes) -> bool | None:
    """True when `data` holds a whole request, False when more is to come, None when it is too large."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) > MAX_HEAD  # over-long headers: the parser refuses them
    head, body = data[: end + 2], data[end + 4 :]
    if _CHUNKED.search(head):
        if len(body) > MAX_BODY:
            return None
        return body.startswith(b"0\r\n\r\n") or b"\r\n0\r\n\r\n" in body
    match = _CONTENT_LENGTH.search(head)
    length = int(match.group(1)) if match else 0
    if length > MAX_BODY:
        return None
    return len(body) >= length


class _Prefixed:
    """The socket as the request parser reads it: the bytes already read, then the socket itself."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.buffered = bytearray()

    def recv(self, size: int) -> bytes:
        if self.buffered:
            chunk = bytes(self.buffered[:size])
            del self.buffered[:size]
            return chunk
        return self.sock.recv(size)


class BufferedThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading: dict[TConn, float] = {}  # connections still sending their request -> deadline

    def accept(self, server: Any, listener: Any) -> None:
        try:
            sock, client = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, sock, client, server)
        self.nr_conns += 1
        if not self.cfg.is_ssl:
            conn.refbot_buffer = bytearray()
            self._reading[conn] = time.monotonic() + READ_SECONDS
        with self._lock:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        if self.cfg.is_ssl:
            super().on_client_socket_readable(conn, client)
            return
        buffer: bytearray | None = getattr(conn, "refbot_buffer", None)
        if buffer is None:  # a kept-alive connection starting its next request
            buffer = conn.refbot_buffer = bytearray()
        if conn not in self._reading:
            with self._lock:
                if conn.initialized:
                    try:
                        self._keep.remove(conn)
                    except ValueError:
                        return
            self._reading[conn] = time.monotonic() + READ_SECONDS
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:
            self._drop(conn)
            return
        buffer.extend(data)
        complete = request_complete(bytes(buffer))
        if complete is False:
            return
        with self._lock:
            self.poller.unregister(conn.sock)
        del self._reading[conn]
        if complete is None:
            with contextlib.suppress(OSError):
                conn.sock.send(_TOO_LARGE)
            self.nr_conns -= 1
            conn.close()
            return
        if conn.parser is None:
            conn.refbot_source = _Prefixed(conn.sock)
            conn.parser = http.RequestParser(self.cfg, conn.refbot_source, conn.client)
        conn.refbot_source.buffered.extend(buffer)
        conn.refbot_buffer = bytearray()
        self.enqueue_req(conn)

    def enqueue_req(self, conn: TConn) -> None:
        conn.init()
        conn.sock.settimeout(SEND_SECONDS)  # bounds writing the answer (and any read the parser still does)
        fs = self.tpool.submit(self.handle, conn)
        self._wrap_future(fs, conn)

    def _drop(self, conn: TConn) -> None:
        self._reading.pop(conn, None)
        with self._lock, contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        for conn, deadline in list(self._reading.items()):
            if deadline < now:
                self._drop(conn)

