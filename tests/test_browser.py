"""What students and instructors see in JupyterLab, checked in a real browser.

One JupyterLab server (on a throw-away copy of the course) and one headless Chromium
page, driven by Playwright, serve every test in this file:

- each solution notebook runs top to bottom (Run All, fast mode) with no error, every
  widget it displays (sliders, tqdm progress bars) renders as a live widget and not as
  text, and its figures appear;
- a student's notebook with one exercise done: nbgrader's Validate button lists the
  cells still failing (the tests of unfinished exercises, unanswered questions), and
  reports success once every answer is in;
- an instructor's Formgrader, opened from the course root, lists every assignment.

A screenshot of each lands in tests/screenshots/ (git-ignored). Run alone with
``pytest -m browser tests/test_browser.py``. Needs Chromium from the system (Debian:
``apt-get install chromium``; ``.ci/run`` installs it) and the playwright package
(``[dev]`` extra); without them the tests are skipped with that advice.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import RELEASE, REPO, SOLUTIONS, Course, assignments, nbgrader_meta, read_notebook, tool_env

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the browser test needs the playwright package: .venv/bin/pip install playwright (it is in the [dev] extra)",
)

CHROMIUM = os.environ.get("AML_GAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("the browser test needs Chromium: `sudo apt-get install chromium` (Debian/Ubuntu), "
                "or set AML_GAN_CHROMIUM to a Chrome/Chromium binary", allow_module_level=True)

SCREENSHOTS = REPO / "tests" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RUN_ALL_TIMEOUT_S = 300

# What each notebook is written to show once it has run in fast mode: at least this many
# figures (including those drawn inside widgets), sliders and progress bars.
# A notebook not listed here must show at least one figure.
SHOWS = {
    "01_motivation": dict(figures=7, sliders=2, progress_bars=0),
    "02_losses": dict(figures=5, sliders=2, progress_bars=0),
    "03_training_loop": dict(figures=4, sliders=0, progress_bars=0),  # trains with the student's own loop
    "04_sequence_gan": dict(figures=4, sliders=0, progress_bars=2),
    "05_dcgan_pets": dict(figures=7, sliders=0, progress_bars=1),  # one is the animation's frame
    "06_gaussian_estimator": dict(figures=3, sliders=0, progress_bars=0),
    "07_pitfalls": dict(figures=10, sliders=2, progress_bars=0),
}

# The student's view: this notebook, with this exercise done before it is opened.
STUDENT_ASSIGNMENT, STUDENT_FILLED = "02_losses", "discriminator_loss"


# --------------------------------------------------------------------------- server and browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server started for the tests, rooted at a copy of the course."""

    def __init__(self, root: Path, workdir: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = workdir / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # Offline: no news or update checks (and no toast asking about them in the screenshots).
        (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env = tool_env(
            AML_GAN_FAST="1",
            JUPYTER_CONFIG_DIR=str(workdir / "config"), JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(workdir / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        )
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: read the notebook model, run commands
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.log = workdir / "jupyterlab.log"
        with open(self.log, "wb") as log:
            # cwd = the course root: nbgrader's Validate and Formgrader read nbgrader_config.py from there.
            self.proc = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def request(self, path: str, method: str = "GET") -> bytes:
        req = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                self.request("/api/status")
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"JupyterLab did not start; its log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Shut down kernels and server through the API; kill the process group if that fails."""
        if self.proc.poll() is None:
            try:
                self.request("/api/shutdown", method="POST")
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("browser")
    course = Course.create(workdir / "course", {a: SOLUTIONS / a for a in assignments()}).root
    shutil.copytree(RELEASE, course / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = Lab(course, workdir)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(lab):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            page.goto(f"{lab.url}/lab?token={lab.token}")
            page.wait_for_function("() => window.jupyterapp !== undefined")
            page.evaluate("() => window.jupyterapp.restored")
            yield page
        finally:
            browser.close()


@pytest.fixture
def lab_page(page):
    """The shared page; afterwards, whatever a test opened is closed and its kernel shut down."""
    yield page
    page.keyboard.press("Escape")  # a dialog left open by a failed test
    page.set_viewport_size(VIEWPORT)
    page.evaluate("""async () => {
        for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
            if (w.sessionContext) { await w.sessionContext.shutdown(); }
            w.dispose();
        }
    }""")


# --------------------------------------------------------------------------- helpers
def _open(page, path: str) -> None:
    page.evaluate("""async (path) => {
        const panel = await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
        await panel.context.ready;
        await panel.sessionContext.ready;
    }""", path)


def _run_all(page) -> str:
    """Run every cell of the current notebook (Run > Run All Cells); 'ok', 'failed' or 'timed out'."""
    return page.evaluate("""async (timeoutMs) => {
        const run = window.jupyterapp.commands.execute('notebook:run-all-cells').then(ok => ok ? 'ok' : 'failed');
        const late = new Promise(resolve => setTimeout(() => resolve('timed out'), timeoutMs));
        return await Promise.race([run, late]);
    }""", RUN_ALL_TIMEOUT_S * 1000)


def _model(page) -> dict:
    """The current notebook as JupyterLab holds it (nbformat JSON)."""
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.toJSON()")


def _screenshot_whole_notebook(page, name: str) -> None:
    """Grow the window to the notebook's height (up to 16000 px) so one picture shows it all."""
    scroller = "window.jupyterapp.shell.currentWidget.node.querySelector('.jp-WindowedPanel-outer')"
    height = page.evaluate(f"() => {scroller}.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 150, 16000)})
    page.evaluate(f"() => {{ {scroller}.scrollTop = 0; }}")
    page.wait_for_timeout(500)  # relayout
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


# Top-level outputs only: widgets and images drawn inside an Output widget are counted
# with the live widgets, not matched to the notebook's own outputs.
TOP_OUTPUT = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
_PAGE_VIEW = """(top) => {
    const nb = window.jupyterapp.shell.currentWidget.node;
    const all = s => Array.from(nb.querySelectorAll(s));
    const images = all('.jp-OutputArea-output img');
    return {
        widgets: all(top + ' > .jupyter-widgets').filter(w => w.offsetHeight > 0).length,
        images: all(top + '.jp-RenderedImage > img').length,
        figures: images.filter(i => i.complete && i.naturalWidth > 0).length,
        broken_images: images.filter(i => !(i.complete && i.naturalWidth > 0)).length,
        sliders: all('.widget-slider').length,
        progress_bars: all('.widget-hprogress, .widget-vprogress').length,
        failed_bars: all('.progress-bar-danger').length,
        text: all('.jp-OutputArea-output').map(o => o.innerText).join('\\n'),
    };
}"""


def _outputs(model: dict) -> list:
    return [o for c in model["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


# --------------------------------------------------------------------------- the solution notebooks
@pytest.mark.parametrize("assignment", assignments())
def test_solution_notebook_runs_clean_in_jupyterlab(lab_page, assignment):
    page = lab_page
    _open(page, f"solutions/{assignment}/{assignment}.ipynb")
    outcome = _run_all(page)
    model = _model(page)
    outputs = _outputs(model)
    widget_outputs = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    image_outputs = [o for o in outputs if "image/png" in o.get("data", {})]
    try:  # widget views and images render a moment after their cell finished
        page.wait_for_function(f"""() => {{
            const nb = window.jupyterapp.shell.currentWidget.node;
            const imgs = Array.from(nb.querySelectorAll('.jp-OutputArea-output img'));
            return nb.querySelectorAll('{TOP_OUTPUT} > .jupyter-widgets').length >= {len(widget_outputs)}
                && imgs.every(i => i.complete && i.naturalWidth > 0);
        }}""", timeout=30_000)
    except sync_api.TimeoutError:
        pass  # the assertions below say what is missing
    _screenshot_whole_notebook(page, assignment)
    seen = page.evaluate(_PAGE_VIEW, TOP_OUTPUT)
    print(assignment, {k: v for k, v in seen.items() if k != "text"})

    errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]
    assert outcome == "ok" and not errors, f"Run All {outcome}: {errors}"
    unexecuted = [i for i, c in enumerate(model["cells"]) if c["cell_type"] == "code" and c["execution_count"] is None]
    assert not unexecuted, f"code cells left unexecuted (indices): {unexecuted}"

    # Widgets: each one the kernel displayed is a live view in the page, never its text form.
    assert seen["widgets"] == len(widget_outputs), (
        f"{len(widget_outputs)} widget outputs but {seen['widgets']} rendered widgets")
    as_text = [text for text in (o["data"].get("text/plain", "").strip() for o in widget_outputs) if text and text in seen["text"]]
    assert not as_text, f"widgets shown as text: {as_text}"
    assert "Error displaying widget" not in seen["text"]
    text_bars = [o["text"] for o in outputs if o.get("name") == "stderr" and re.search(r"\d+%\|", o["text"])]
    assert not text_bars, f"progress bars fell back to text: {text_bars}"
    assert seen["failed_bars"] == 0, "a progress bar ended in the failed (red) state"

    # Figures: every image output shows as a decoded picture.
    assert seen["images"] == len(image_outputs) and seen["broken_images"] == 0, (
        f"{len(image_outputs)} image outputs, {seen['images']} shown, {seen['broken_images']} not decoded")
    shows = SHOWS.get(assignment, dict(figures=1, sliders=0, progress_bars=0))
    for what, least in shows.items():
        assert seen[what] >= least, f"{assignment} shows {seen[what]} {what}, expected at least {least}"


# --------------------------------------------------------------------------- a student's view
def _answers(assignment: str) -> dict:
    """Every answer (code and written) from the solutions, as a student would have typed it."""
    answers = {}
    for cell in read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb").cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def _still_failing(notebook, unanswered) -> list:
    """What Validate must list, in order, for these unanswered cells: the test cells after each
    code exercise (they raise NotImplementedError) and each written answer itself (no response)."""
    failing, exercise = [], None
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "markdown":
            if meta["grade_id"] in unanswered:
                failing.append((cell.source.strip(), "You did not provide a response"))
        elif meta.get("solution"):
            exercise = meta["grade_id"]
        elif meta.get("grade") and exercise in unanswered:
            failing.append((cell.source.strip(), "NotImplementedError"))
    return failing


def _validate(page):
    """Click the notebook's Validate button; the result dialog once it appears."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) jp-button.validate-button").click()
    dialog = page.locator(".nbgrader-ErrorDialog, .nbgrader-SuccessDialog")
    dialog.wait_for(timeout=180_000)
    return dialog


def test_student_validate_lists_failing_cells_then_success(lab, lab_page):
    page, assignment = lab_page, STUDENT_ASSIGNMENT
    path = f"notebooks/{assignment}/{assignment}.ipynb"
    student = read_notebook(lab.root / path)
    answers = _answers(assignment)
    for cell in student.cells:
        if nbgrader_meta(cell).get("grade_id") == STUDENT_FILLED:
            cell.source = answers[STUDENT_FILLED]
    nbformat.write(student, lab.root / path)
    unanswered = [gid for gid in answers if gid != STUDENT_FILLED]
    expected = _still_failing(student, unanswered)
    assert expected, f"{assignment} needs a second exercise for this test"
    _open(page, path)

    dialog = _validate(page)
    page.screenshot(path=str(SCREENSHOTS / "student_validate_failing.png"))
    assert "nbgrader-ErrorDialog" in dialog.get_attribute("class"), dialog.inner_text()
    listed = page.evaluate("""() => Array.from(document.querySelectorAll('.nbgrader-ErrorDialog .validation-failed p'))
        .filter(p => p.innerText.startsWith('The following cell failed'))
        .map(p => [p.parentElement.nextElementSibling.innerText.trim(),
                   p.parentElement.nextElementSibling.nextElementSibling.innerText])""")
    assert [source for source, _ in listed] == [source for source, _ in expected], dialog.inner_text()
    for (source, error), (_, why) in zip(listed, expected):
        assert why in error, f"{source!r} failed with {error!r}, expected {why!r}"
    dialog.locator("button.jp-Dialog-button").click()

    # The student answers the rest in the editor; Validate saves the notebook, then checks it.
    page.evaluate("""(answers) => {
        for (const cell of window.jupyterapp.shell.currentWidget.content.model.cells) {
            const id = (cell.getMetadata('nbgrader') || {}).grade_id;
            if (id in answers) { cell.sharedModel.setSource(answers[id]); }
        }
    }""", {gid: answers[gid] for gid in unanswered})
    dialog = _validate(page)
    page.screenshot(path=str(SCREENSHOTS / "student_validate_success.png"))
    assert dialog.locator(".validation-success").count() == 1, dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in dialog.inner_text()
    dialog.locator("button.jp-Dialog-button").click()


# --------------------------------------------------------------------------- an instructor's view
def test_formgrader_lists_every_assignment(lab_page):
    page = lab_page
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-formgrader"]').click()
    formgrader = page.frame_locator("iframe[src*='formgrader']")
    names = formgrader.locator("tbody td.name")
    names.first.wait_for()  # the table is filled in one go
    names.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "formgrader.png"))
    assert sorted(n.strip() for n in names.all_inner_texts()) == assignments()
