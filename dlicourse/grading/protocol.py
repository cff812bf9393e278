"""The grader's side of the pipes to a submission: deadlines on every read and write, strict messages,
and text made safe before it reaches a report.

Everything here treats the other end as hostile. The pipes are non-blocking, so a submission that
stops reading or holds a pipe open can cost at most the deadline, never a hung grader. A message is
one JSON object per line, at most `MAX_LINE` bytes, with a known event and fields of the right
type; NaN and infinities are refused. Any text the submission chose (answers, reasons, its printed
output) is capped and made one printable line, so it can forge no line of a report.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import time

MAX_LINE = 4096  # bytes in one message; an answer is a few words
MAX_TEXT = 200  # characters of submission-chosen text kept in a report
EVENTS = {"ready": {}, "loaded": {"seconds": (int, float)}, "answer": {"answer": str}, "error": {"reason": str},
          "invalid": {"reason": str}, "import_error": {"reason": str}, "violation": {"reason": str},
          "fatal": {"reason": str}}


class ProtocolError(Exception):
    """The submission broke the protocol; the message says how, in one safe line."""


class PipeClosed(Exception):
    """The submission's end of a pipe is gone."""


class Timeout(Exception):
    """A deadline passed."""


def clean(text: object, cap: int = MAX_TEXT) -> str:
    """`text` as one printable line of at most `cap` characters: control characters and line breaks
    escaped, the rest cut with an ellipsis."""
    line = str(text)
    escaped = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in line[: cap * 2])
    return escaped if len(escaped) <= cap and len(line) <= cap * 2 else escaped[: cap - 1] + "…"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def parse(line: bytes) -> dict:
    """One message, strictly: a JSON object with a known event and the fields that event needs."""
    try:
        message = json.loads(line.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(f"sent something that is not a message: {clean(line, 80)}") from None
    if not isinstance(message, dict) or message.get("event") not in EVENTS:
        raise ProtocolError(f"sent an unknown message: {clean(line, 80)}")
    fields = EVENTS[message["event"]]
    if set(message) != {"event", *fields} or not all(isinstance(message[k], t) and not isinstance(message[k], bool)
                                                     for k, t in fields.items()):
        raise ProtocolError(f"sent a malformed {message['event']} message: {clean(line, 80)}")
    if message["event"] == "loaded" and not 0 <= message["seconds"] < 1e6:
        raise ProtocolError("sent an impossible load time")
    return message


class Pipes:
    """The grader's three non-blocking ends: requests out, messages in, and the submission's output
    (counted, its first `keep` bytes kept)."""

    def __init__(self, requests: int, messages: int, output: int, keep: int = 4096) -> None:
        self.requests: int | None = requests
        self.messages: int | None = messages
        self.output: int | None = output
        for fd in (requests, messages, output):
            os.set_blocking(fd, False)
        self.buffer = b""
        self.printed = bytearray()
        self.printed_bytes = 0
        self.keep = keep
        self.messages_open = self.output_open = True

    def send(self, message: dict, deadline: float) -> None:
        """Write one request before `deadline`, however slowly the other end reads."""
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        if self.requests is None:
            raise PipeClosed()
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("stopped reading the grader's requests")
            _, ready, _ = select.select([], [self.requests], [], min(left, 0.1))
            if ready:
                try:
                    data = data[os.write(self.requests, data):]
                except BlockingIOError:
                    continue
                except OSError:
                    raise PipeClosed() from None

    def poll(self, timeout: float) -> None:
        """Wait up to `timeout` for either pipe, and take what came."""
        watched = [fd for fd, open_ in ((self.messages, self.messages_open), (self.output, self.output_open)) if open_]
        if not watched:
            time.sleep(timeout)
            return
        ready, _, _ = select.select(watched, [], [], timeout)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if fd == self.output:
                self.output_open = bool(chunk)
                self.printed_bytes += len(chunk)
                self.printed += chunk[: max(0, self.keep - len(self.printed))]
            else:
                self.messages_open = bool(chunk)
                self.buffer += chunk

    def next_message(self) -> dict | None:
        """The next complete message, if one has come; raises when the line is too long or malformed,
        and PipeClosed when the channel ended without one."""
        if b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if len(line) > MAX_LINE:
                raise ProtocolError(f"sent a message longer than {MAX_LINE} bytes")
            return parse(line)
        if len(self.buffer) > MAX_LINE:
            raise ProtocolError(f"sent a message longer than {MAX_LINE} bytes")
        if not self.messages_open:
            raise PipeClosed()
        return None

    def last_words(self) -> str:
        lines = self.printed.decode("utf-8", "replace").strip().splitlines()
        return f"; its last output: {clean(lines[-1])}" if lines else ""

    def end_requests(self) -> None:
        """Tell the child there is nothing more to ask (end of file on its requests)."""
        self._close("requests")

    def close(self) -> None:
        """Closing a pipe end never blocks, whoever holds the other end. Each end is closed once: a
        second close could hit a descriptor another session has since been given."""
        for name in ("requests", "messages", "output"):
            self._close(name)

    def _close(self, name: str) -> None:
        fd = getattr(self, name)
        if fd is not None:
            setattr(self, name, None)
            with contextlib.suppress(OSError):
                os.close(fd)
