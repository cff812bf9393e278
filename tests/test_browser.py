"""The labs in JupyterLab in a real browser, as learners use them: each opens cleanly, its first output
holds no TensorFlow start-up log, 00_welcome runs top to bottom with its exercise, and a widget responds.

Run with `make test-browser` (or `pytest --browser tests/test_browser.py`); `make test` skips them.
"""

from __future__ import annotations

import contextlib
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


@pytest.fixture(scope="module")
def first_outputs(page, lab) -> dict[str, tuple[list[str], str, list[str]]]:
    """Each lab opened and its first cells run, two at a time in two pages: while one kernel imports
    TensorFlow, the other page loads (the ten labs one after another took 180 s). Per lab: the error dialogs
    once it opened, the set-up cell's output, and the error dialogs after that cell ran."""
    pages, pending, seen = [page, page.context.new_page()], [None, None], {}

    def finish(slot: int) -> None:
        name, setup, opened = pending[slot]
        wait_for_cell(setup, timeout=300)
        setup.screenshot(path=SCREENSHOTS / f"{Path(name).stem}-first-output.png")
        seen[name] = (opened, output_text(setup), error_dialogs(pages[slot]))
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
    opened, first_output, dialogs = first_outputs[name]
    assert opened == []
    assert "; outputs go to " in first_output, first_output
    assert not START_UP_LOG.search(first_output), first_output
    assert not any(NOISE.match(line) for line in first_output.splitlines()), first_output
    assert dialogs == []


KERNEL_ANSWER = "kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])\ncheck.edge_kernel(kernel)"


def test_welcome_runs_top_to_bottom_and_its_exercise_checks_the_answer(page, lab):
    """Run All stops where the exercise's FIXME is first used; the answer typed in, the rest runs to the end."""
    open_notebook(page, lab, "labs/00_welcome.ipynb")
    menu(page, "Run", "Run All Cells")
    wait_until_done(page)
    exercise = code_cell(page, "kernel = FIXME")
    assert "❌ `kernel` is still FIXME: replace it with your code and run the cell." in output_text(exercise)
    assert "FixmeError: This is a FIXME placeholder: replace FIXME with your code" in output_text(
        code_cell(page, "np.asarray(kernel)"))
    assert "Ready for the labs." in output_text(code_cell(page, "readiness.check_machine()"))
    page.screenshot(path=SCREENSHOTS / "00_welcome-fixme.png", full_page=True)

    exercise.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(KERNEL_ANSWER)
    menu(page, "Run", "Run Selected Cell and All Below")
    wait_until_done(page, timeout=120)
    answered = output_text(code_cell(page, "kernel = np.array("))
    assert "✅ Right: strong on a vertical edge, 0 on a flat patch, weak on a horizontal edge." in answered
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
