"""A JupyterLab server and a Chromium page for the browser tests: where learners really use the labs.

Kept apart from the tests so they read as what a learner does: open a lab, run it, type an answer.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("DLICOURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
HOW_TO_INSTALL = ("browser tests need Chromium and Playwright: `apt-get install chromium` (as root) and "
                  "`pip install -e '.[browser]'`, or set DLICOURSE_CHROMIUM to a Chromium binary")
# Without the background-networking switches Chromium keeps calling home, which a closed network refuses slowly.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# No "get notified about Jupyter news?" pop-up over the cells, every cell drawn (not only those in view), so that
# a test finds and clicks any cell, and no autosave, so that what a test types stays in the page.
SETTINGS = {"apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
            "notebook-extension/tracker": '{"windowingMode": "none"}',
            "docmanager-extension/plugin": '{"autosave": false}'}  # a cell a test adds never reaches the file


def missing() -> str | None:
    """Why the browser tests cannot run here (one line saying how to fix it), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return HOW_TO_INSTALL
    return None if CHROMIUM else HOW_TO_INSTALL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A running JupyterLab: its address with the token, and the folder it serves."""

    def __init__(self, root: Path, port: int, token: str):
        self.root, self.port, self.token = root, port, token

    def url(self, path: str, workspace: str = "default") -> str:
        """The page with only this notebook open (`reset`: no tabs left from an earlier test); pages open at
        once each use their own workspace, so that one page's layout never reaches another."""
        return f"http://127.0.0.1:{self.port}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()


@contextmanager
def jupyterlab(root: Path, env: dict[str, str], start_timeout: float = 180) -> Iterator[Lab]:
    """JupyterLab on a free loopback port with a random token, serving `root`; stopped with its kernels."""
    token, port = secrets.token_hex(16), free_port()
    settings = root / ".settings"
    for name, value in SETTINGS.items():
        path = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
    env = {**env, "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.token={token}", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = (root / ".jupyterlab.log").open("wb")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    lab = Lab(root, port, token)
    stopped = signal.signal(signal.SIGTERM, _interrupt)  # a CI time limit still stops the server and kernels
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                lab.api("status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {root / '.jupyterlab.log'}") from None
                time.sleep(0.5)
        yield lab
    finally:
        _stop(server)
        log.close()
        signal.signal(signal.SIGTERM, stopped)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group, nothing else)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # kernels left behind by a server that ended first


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium page with a fresh profile, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="dlicourse-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context.new_page()
        finally:
            context.close()
