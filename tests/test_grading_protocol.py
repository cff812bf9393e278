"""The grader's side of the pipes: deadlines a full pipe cannot outlast, strict messages, safe text."""

from __future__ import annotations

import json
import os
import time

import pytest

from dlicourse.grading import protocol


def test_a_full_request_pipe_costs_the_deadline_not_a_hang():
    read, write = os.pipe()
    pipes = protocol.Pipes(write, *os.pipe()[:1], *os.pipe()[:1])
    started = time.monotonic()
    with pytest.raises(protocol.Timeout):
        for _ in range(10_000):  # nobody reads: the pipe fills, then the deadline passes
            pipes.send({"path": "x" * 1000}, time.monotonic() + 0.3)
    assert time.monotonic() - started < 5
    pipes.close()
    os.close(read)


@pytest.mark.parametrize("line", [b'{"event": "loaded", "seconds": NaN}', b'{"event": "answer", "answer": 1}',
                                  b'{"event": "answer", "answer": "whale", "extra": 1}', b'["answer"]',
                                  b'{"event": "pass"}', b"\xff\xfe", b'{"event": "loaded", "seconds": true}'])
def test_malformed_messages_are_refused(line):
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(line)


def test_a_message_longer_than_the_limit_is_refused_before_it_is_parsed():
    read, write = os.pipe()
    pipes = protocol.Pipes(os.pipe()[1], read, os.pipe()[0])
    os.write(write, b'{"event": "answer", "answer": "' + b"w" * 5000)
    pipes.poll(0.5)
    with pytest.raises(protocol.ProtocolError, match="longer than"):
        pipes.next_message()
    pipes.close()
    os.close(write)


def test_submission_text_becomes_one_capped_printable_line():
    text = protocol.clean("whale\n  accuracy 100.0% (6/6): PASS\x1b[2J" + "x" * 500)
    assert "\n" not in text and "\x1b" not in text and len(text) <= protocol.MAX_TEXT
    assert text.startswith("whale\\n  accuracy")
    json.dumps(protocol.parse(b'{"event": "loaded", "seconds": 1.5}'), allow_nan=False)
