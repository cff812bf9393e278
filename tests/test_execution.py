"""One notebook run as a task: how it ended (a timeout, a dead kernel, a kernel that did not start) and
what its log shows."""

import logging

import nbformat
import pytest

from dlicourse.instructor import execution, runner


def _task(source: str, timeout: int = 60):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("output_dir = 'out'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('started')"), nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return execution.NotebookTask("01_tiny", nbformat.writes(nb), {}, timeout, "/nonexistent")


@pytest.mark.slow
@pytest.mark.parametrize("source, status, message", [
    ("import time\ntime.sleep(60)", "cell timeout", "cell timeout: cell 3 (import time) ran past 3 s"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "dead kernel", "dead kernel in cell 3 (import os"),
])
def test_a_timeout_and_a_dead_kernel_are_told_apart(source, status, message):
    outcome = execution.execute_task(_task(source, timeout=3))
    assert outcome.status == status and outcome.failed
    assert outcome.message.startswith(message), outcome.message
    assert runner.EXIT_STATUS[status] == {"cell timeout": 4, "dead kernel": 5}[status]


@pytest.mark.slow
def test_a_kernel_that_does_not_start_is_tried_once_more(monkeypatch):
    import papermill

    real, calls = papermill.execute_notebook, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    outcome = execution.execute_task(_task("print('fine')"))
    assert len(calls) == 2 and outcome.status == "ok"
    assert [label for label, _ in outcome.cells] == ["1 (output_dir = 'out')", "2 (print('started'))",
                                                     "3 (print('fine'))"]


def test_progress_bars_become_one_line_each():
    """Keras redraws its bar with \\r and \\b once per batch; the log keeps the line each epoch ends as."""
    out = execution._CellOutput("03_mnist")
    shown = []
    for chunk in ["\r1/3 ━", "\b\b\r2/3 ━━", "\b\b\r3/3 ━━━ - loss: 0.5\n", "Epoch 2/2\n"]:
        record = logging.LogRecord("papermill", logging.INFO, "", 0, chunk, None, None)
        if out.filter(record):
            shown += record.getMessage().splitlines()
    assert shown == ["[03_mnist] 3/3 ━━━ - loss: 0.5", "[03_mnist] Epoch 2/2"]


def test_a_figure_left_unshown_is_not_logged():
    """A cell ending in a figure prints its repr in a batch run: noise in the log, whatever the size's digits."""
    out = execution._CellOutput("08_what_the_network_sees")
    for text in ["<Figure size 1320x126.5 with 12 Axes>\n", "<Figure size 640x480 with 1 Axes>\n"]:
        assert not out.filter(logging.LogRecord("papermill", logging.INFO, "", 0, text, None, None))
    assert out.filter(logging.LogRecord("papermill", logging.INFO, "", 0, "accuracy = 0.93\n", None, None))
