"""gunicorn's threaded worker, with reads bounded in time and accepting only while it has a
free thread (partnership/gunicorn.conf.py names it).

What the stock `gthread` worker does with a client that trickles its request: the main
loop accepts the connection and hands it to the thread pool; the thread waits up to 5 s for
a first byte (then parks the connection on the poller), but once a byte has come it reads
the head and body with blocking reads that have no time limit. So each trickling client
holds a thread for as long as it likes, and, as the worker keeps accepting while every
thread is busy, a request that worker accepted waits in its queue behind them even when
another worker is idle.

This worker changes two things:

- a request's reads must finish within `REQUEST_READ_SECONDS`, and no read or write may
  wait more than `SOCKET_IDLE_SECONDS`; a client that misses either loses its connection
  (logged at debug level as a reset, as gunicorn logs a client that went away);
- it stops accepting while all its threads are busy, so a new connection waits in the
  listen queue for whichever worker frees a thread first, not behind a slow client.

A trickling client still costs a thread until its deadline; in every shape that faces a
network a buffering proxy in front (nginx in docker-compose.yml) sends gunicorn only
whole requests, so there a slow client costs the proxy a connection and gunicorn nothing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import time

from gunicorn.workers.gthread import ThreadWorker

# A request's head and body, however they trickle, within this (uploads come through the
# proxy at local speed; a direct client has a minute for a document).
REQUEST_READ_SECONDS = float(os.environ.get("WEB_REQUEST_READ_SECONDS", "60"))
# No single read or write on a client's socket waits longer than this.
SOCKET_IDLE_SECONDS = float(os.environ.get("WEB_SOCKET_IDLE_SECONDS", "15"))


class ReadBoundedSocket(socket.socket):
    """A client's socket whose blocking reads end at the request's deadline.

    gunicorn makes the socket blocking at the start of every request it reads; here that
    sets the request's deadline instead. A missed deadline surfaces as a connection reset,
    which gunicorn closes quietly."""

    _deadline = float("inf")

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._deadline = time.monotonic() + REQUEST_READ_SECONDS
            self.settimeout(SOCKET_IDLE_SECONDS)
        else:
            super().setblocking(False)

    def _bounded(self, call, *args):
        if self.gettimeout() is not None and self.gettimeout() > 0:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self._cut_off()
                raise ConnectionResetError(errno.ECONNRESET, "the request took too long to arrive")
            self.settimeout(min(SOCKET_IDLE_SECONDS, remaining))
        try:
            return call(*args)
        except TimeoutError as exc:
            self._cut_off()
            raise ConnectionResetError(errno.ECONNRESET, "the client stopped sending") from exc

    def _cut_off(self) -> None:
        # Both ways at once: gunicorn's graceful close would otherwise read on from a client
        # still trickling, for up to 2 s on the worker's main loop.
        with contextlib.suppress(OSError):
            self.shutdown(socket.SHUT_RDWR)

    def recv(self, *args):
        return self._bounded(super().recv, *args)

    def recv_into(self, *args):
        return self._bounded(super().recv_into, *args)

    def sendall(self, *args):
        if self.gettimeout() is not None and self.gettimeout() > 0:
            self.settimeout(SOCKET_IDLE_SECONDS)
        try:
            return super().sendall(*args)
        except TimeoutError as exc:
            raise BrokenPipeError(errno.EPIPE, "the client stopped reading") from exc


def read_bounded(sock: socket.socket) -> ReadBoundedSocket:
    """The same connection as a ReadBoundedSocket (the file descriptor moves over)."""
    if isinstance(sock, ReadBoundedSocket):
        return sock
    timeout = sock.gettimeout()
    bounded = ReadBoundedSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    bounded.settimeout(timeout)
    return bounded


class BoundedThreadWorker(ThreadWorker):
    """gthread, with a deadline on each request's reads, accepting only with a thread free."""

    busy = 0

    def enqueue_req(self, conn):
        conn.sock = read_bounded(conn.sock)
        self.busy += 1
        super().enqueue_req(conn)
        if self.busy >= self.cfg.threads:
            super().set_accept_enabled(False)

    def finish_request(self, conn, fs):
        self.busy -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        # The main loop turns accepting back on each turn; only with a thread to spare.
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)
