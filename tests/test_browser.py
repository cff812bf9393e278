"""The labs in JupyterLab in a real browser, as learners use them: each opens cleanly, its first output
holds no TensorFlow start-up log, a wrong answer in each lab shows its whole message in words, 00_welcome's
Run All stops at its unfinished exercise with one line and then runs to the end once it is answered, and a
widget responds. Screenshots of each go to runs/browser/ (DLICOURSE_SCREENSHOTS).

Run with `make test-browser` (or `pytest --browser tests/test_browser.py`); `make test` skips them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from browser_lab import chromium, jupyterlab, missing
from conftest import ROOT
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from dlicourse.instructor import profiles
from dlicourse.quiet import NOISE

pytestmark = pytest.mark.browser

LABS = sorted(p.name for p in (ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
# TensorFlow, absl and oneDNN start-up lines, in any of the forms they take.
START_UP_LOG = re.compile(r"absl::|oneDNN|onednn|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS|rebuild TensorFlow"
                          r"|^[IWE]\d{4} \d\d:\d\d:\d\d", re.MULTILINE)
SCREENSHOTS = Path(os.environ.get("DLICOURSE_SCREENSHOTS", ROOT / "runs" / "browser"))
BUSY = "[...document.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'))"

# One plausible wrong answer per lab, typed into a new cell under the lab's set-up cell: its check's message
# must show in full, in words (see `reads_in_words`).
WRONG_ANSWERS = {
    "00_welcome": "kernel = np.ones((3, 3))\ncheck.edge_kernel(kernel)",
    "01_louie": "curve = {8: 0.5, 2400: 0.96}\ncheck.learning_curve(curve, 2400)",
    "02_deployment": 'timings = [{"batch size": 1, "latency ms": 5.0, "images/s": 200.0},\n'
                     '           {"batch size": 64, "latency ms": 80.0, "images/s": 800.0}]\n'
                     "check.batch_sizes(64, 64, timings, 100)",
    "03_mnist": "x = np.zeros((2, 28, 28, 1), np.uint8)\ncheck.inverted(x, x)",
    "04_whale_detection": "probe = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),\n"
                          '                          keras.layers.Dense(2, activation="softmax")])\n'
                          "check.sliding_window(lambda classifier, scene, stride: np.zeros((2, 2)), probe)",
    "05_segmentation": "check.soft_dice(lambda t, p: (2 * keras.ops.sum(t * p) + 1) / (keras.ops.sum(t + p) + 1))",
    "06_transfer_learning": 'check.frozen_head(True, keras.layers.Dense(2, activation="softmax"), 2)',
    "07_assessment": "check.whale_classifier(keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Flatten(),\n"
                     '                                          keras.layers.Dense(1, activation="sigmoid")]), 64)',
    "08_what_the_network_sees": "check.occlusion(lambda model, image, label, patch, stride: np.zeros(image.shape[:2]))",
    "09_smaller_faster": "check.ship_sparsity(0.5, {0.5: 0.0, 0.9: 0.008, 0.95: 0.03}, 0.01)",
}
# An f-string's field left unfilled, as `{len(truth)}` was.
TEMPLATE = re.compile(r"\{[A-Za-z_][^{}]*\}")


def reads_in_words(text: str) -> None:
    """A check's message says right or not yet in a word, before any symbol: where no emoji font draws ✅ and
    ❌ (both become the same empty box), the line still says which. And no template is left unfilled."""
    assert re.match(r"(Right|Not yet|Not attempted yet): ", text), f"no word before the symbols: {text!r}"
    assert not TEMPLATE.search(text), f"an unfilled template: {text!r}"


def expected_message(source: str) -> str:
    """What the check prints for `source`, run here, in the test's own process."""
    import keras
    import numpy as np

    from dlicourse import check

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "<wrong answer>", "exec"), {"np": np, "keras": keras, "check": check})
    return printed.getvalue().strip()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if (reason := missing()) is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("jupyterlab")
    shutil.copytree(ROOT / "labs", root / "labs")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}  # as a learner's machine has it
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with jupyterlab(root, env) as server:
        yield server


@pytest.fixture(scope="module")
def page(lab):
    with chromium() as page:
        page.set_default_timeout(60_000)
        yield page


def open_notebook(page, lab, path: str, workspace: str = "default") -> None:
    page.goto(lab.url(path, workspace))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=180_000)
    page.wait_for_function("document.querySelector('.jp-StatusBar-Widget') && "
                           "document.body.innerText.includes('(ipykernel) | Idle')", timeout=180_000)


def wait_until_done(page, timeout: float = 600) -> None:
    """Wait for the queued cells to start, then for none to be left running."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # a short queue may be done before we look
        page.wait_for_function(BUSY, timeout=10_000)
    page.wait_for_function(f"!({BUSY})", timeout=timeout * 1000)


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()


def code_cell(page, text: str):
    return page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=text)).first


def output_text(cell) -> str:
    outputs = cell.locator(".jp-Cell-outputArea")
    return outputs.inner_text() if outputs.count() else ""


def start_cell(page, cell) -> None:
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")


def wait_for_cell(cell, timeout: float) -> None:
    """Wait until the cell's prompt shows its execution number."""
    cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=timeout * 1000)


def run_cell(page, cell, timeout: float) -> None:
    start_cell(page, cell)
    wait_for_cell(cell, timeout)


def error_dialogs(page) -> list[str]:
    return [d.inner_text() for d in page.locator(".jp-Dialog").all()]


def shut_down_kernels(lab, path: str | None = None) -> None:
    """End the kernel of this notebook (of every notebook without `path`), so that the next lab does not
    share the CPU with it."""
    for session in json.loads(lab.api("sessions")):
        if path is None or session["path"] == path:
            lab.api(f"sessions/{session['id']}", method="DELETE")


def add_cell_below(page, cell, source: str):
    """A new code cell under `cell`, with `source` typed in and run, as a learner adds one: select the cell,
    B (insert below), Enter (edit), type, Ctrl+Enter (run)."""
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(source)
    page.keyboard.press("Control+Enter")
    added = code_cell(page, source.splitlines()[0])
    wait_for_cell(added, timeout=180)
    return added


@pytest.fixture(scope="module")
def first_outputs(page, lab) -> dict[str, tuple[list[str], str, list[str], str]]:
    """Each lab opened and its first cells run, two at a time in two pages: while one kernel imports
    TensorFlow, the other page loads (the ten labs one after another took 180 s); then a wrong answer to one
    of its checks, in a new cell. Per lab: the error dialogs once it opened, the set-up cell's output, the
    error dialogs after that cell ran, and what the wrong answer's cell shows."""
    pages, pending, seen = [page, page.context.new_page()], [None, None], {}

    def finish(slot: int) -> None:
        name, setup, opened = pending[slot]
        wait_for_cell(setup, timeout=300)
        setup.screenshot(path=SCREENSHOTS / f"{Path(name).stem}-first-output.png")
        first, dialogs = output_text(setup), error_dialogs(pages[slot])
        answer = add_cell_below(pages[slot], setup, WRONG_ANSWERS[Path(name).stem])
        answer.screenshot(path=SCREENSHOTS / f"{Path(name).stem}-wrong-answer.png")
        seen[name] = (opened, first, dialogs, output_text(answer))
        shut_down_kernels(lab, f"labs/{name}")
        pending[slot] = None

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(LABS):
        slot, tab = i % 2, pages[i % 2]
        if pending[slot]:
            finish(slot)
        open_notebook(tab, lab, f"labs/{name}", workspace=f"w{slot}")
        opened = error_dialogs(tab)
        run_cell(tab, code_cell(tab, 'profile = "workshop"'), timeout=300)
        setup = code_cell(tab, "dlicourse.start(")
        start_cell(tab, setup)
        pending[slot] = (name, setup, opened)
    for slot in (0, 1):
        if pending[slot]:
            finish(slot)
    pages[1].close()
    return seen


@pytest.mark.parametrize("name", LABS)
def test_each_lab_opens_and_starts_without_errors_or_start_up_logs(first_outputs, name):
    opened, first_output, dialogs, _ = first_outputs[name]
    assert opened == []
    assert "; outputs go to " in first_output, first_output
    assert not START_UP_LOG.search(first_output), first_output
    assert not any(NOISE.match(line) for line in first_output.splitlines()), first_output
    assert dialogs == []


@pytest.mark.parametrize("name", LABS)
def test_a_wrong_answer_shows_its_whole_message_in_words(first_outputs, name):
    """In the lab's own kernel, one of its checks given a wrong answer: the page shows the whole message,
    exactly as the check prints it, starting with a word (runs/browser/NN_lab-wrong-answer.png)."""
    shown = first_outputs[name][3].strip()
    expected = expected_message(WRONG_ANSWERS[Path(name).stem])
    assert expected.startswith("Not yet: ❌ ")
    reads_in_words(shown)
    assert shown == expected


KERNEL_ANSWER = "kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])\ncheck.edge_kernel(kernel)"
NOT_ATTEMPTED = ("Not attempted yet: “Exercise: a kernel that finds vertical edges”. `kernel` is still FIXME: "
                 "replace it with your code and run this cell. Stuck? `check.edge_kernel.hint()` gives a hint.")


def test_welcome_runs_top_to_bottom_and_its_exercise_checks_the_answer(page, lab):
    """Run All stops at the exercise still holding its FIXME, with one line that names it (no traceback into
    the library), and runs no cell below it; the answer typed in, the rest runs to the end."""
    open_notebook(page, lab, "labs/00_welcome.ipynb")
    menu(page, "Run", "Run All Cells")
    wait_until_done(page)
    exercise = code_cell(page, "kernel = FIXME")
    stopped = output_text(exercise).strip()
    reads_in_words(stopped)
    assert stopped == NOT_ATTEMPTED
    below = code_cell(page, "np.asarray(kernel)")
    assert output_text(below) == "" and not re.search(r"\d", below.locator(".jp-InputArea-prompt").inner_text())
    assert "Ready for the labs." in output_text(code_cell(page, "readiness.check_machine()"))
    exercise.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "00_welcome-fixme.png", full_page=True)
    exercise.screenshot(path=SCREENSHOTS / "00_welcome-not-attempted.png")

    exercise.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(KERNEL_ANSWER)
    menu(page, "Run", "Run Selected Cell and All Below")
    wait_until_done(page, timeout=120)
    answered = output_text(code_cell(page, "kernel = np.array("))
    reads_in_words(answered.strip())
    assert "Right: ✅ strong on a vertical edge, 0 on a flat patch, weak on a horizontal edge." in answered
    assert "photo (128, 128) -> convolution (126, 126)" in output_text(code_cell(page, "np.asarray(kernel)"))
    assert "The lesson holds." in output_text(code_cell(page, 'dlicourse.lesson("00_welcome"'))
    assert "Error" not in page.locator(".jp-Notebook").inner_text()
    assert error_dialogs(page) == []
    page.screenshot(path=SCREENSHOTS / "00_welcome-answered.png", full_page=True)
    shut_down_kernels(lab)


def test_the_training_explorer_responds_to_its_controls(page, lab):
    """03_mnist's explorer with the fast profile: Train draws curves; other controls draw others. Only the
    cells it needs run first (the data, the small set, `build_model`), not the lab's long trainings."""
    path = lab.root / "solutions" / "03_mnist.ipynb"
    fast = parameterize_notebook(load_notebook_node(str(path)),
                                 {**profiles.parameters("fast", "03_mnist"), "output_dir": "outputs/03_mnist"})
    nbformat.write(fast, path)
    open_notebook(page, lab, "solutions/03_mnist.ipynb")
    for text in ('profile = "workshop"', "# Parameters", "dlicourse.start(", "datasets.load_mnist(",
                 "datasets.stratified_subset(", "def build_model("):
        run_cell(page, code_cell(page, text), timeout=300)
    assert "Error" not in page.locator(".jp-Notebook").inner_text()
    explorer = code_cell(page, "widgets.explore_training(")
    run_cell(page, explorer, timeout=60)
    train = explorer.locator("button", has_text="Train")
    train.wait_for()
    picture = explorer.locator(".jp-OutputArea-output img")

    train.click()
    picture.wait_for(timeout=120_000)
    before = _settled(picture)
    explorer.screenshot(path=SCREENSHOTS / "03_mnist-explorer-before.png")

    explorer.locator(".widget-dropdown select").select_option(label="0.1")
    slider = explorer.locator(".widget-slider .noUi-handle").first
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert "8" in explorer.locator(".widget-readout").first.inner_text()
    train.click()
    page.wait_for_function("([cell, old]) => { const img = cell.querySelector('.jp-OutputArea-output img');"
                           " return img && img.src !== old; }", arg=[explorer.element_handle(), before],
                           timeout=120_000)
    after = _settled(picture)
    explorer.screenshot(path=SCREENSHOTS / "03_mnist-explorer-after.png")
    assert after != before
    assert "learning rate 0.1 for 8 epochs" in output_text(explorer)
    shut_down_kernels(lab)


def _settled(picture) -> str:
    """The picture's data once it stops changing (the output is cleared and drawn again on a click)."""
    last = picture.get_attribute("src")
    for _ in range(20):
        time.sleep(0.5)
        now = picture.get_attribute("src")
        if now == last:
            return now
        last = now
    return last
