"""The course as a student gets it on Colab: the package installed from a wheel with its
runtime dependencies only, a PyTorch that is already there, and each notebook run on its own
from a folder outside this repository.

The environment is built once per test session: a virtual environment without pip whose
site-packages holds a ``.pth`` file naming a folder of symlinks to the torch and torchvision
distributions of the environment running the tests (and everything they depend on), so
pip sees them as installed, as on Colab, and downloads nothing big. Then pip installs the
course's wheel (built from a copy of the checkout, as ``pip install git+...`` builds it),
``ipykernel`` and ``nbclient``. nbgrader, nbval, pytest and JupyterLab are not there, so a
notebook that needs a development tool, a file of the checkout or a file left out of the
wheel fails here.

The student notebooks run here: they may fail only where an exercise is still empty: in the
stubs themselves (``raise NotImplementedError()``), in their test cells (nbgrader ``grade``
cells), and in a cell that tries an empty exercise (its error is the stub's
``NotImplementedError``); every other cell, the fallbacks and the Outcome included, must run.
That is every cell of the course but the answers, so the solution notebooks are not run here a
second time: their answers use nothing but torch, and nbval runs them top to bottom already
(``make test``'s ``solutions`` argument), as the browser test does in JupyterLab.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import RELEASE, REPO, SOLUTIONS, assignments, read_notebook

pytestmark = pytest.mark.notebook

PREINSTALLED = ("torch", "torchvision")  # with their dependencies: what Colab has before the install cell
DEV_ONLY = ("nbgrader", "nbval", "pytest", "jupyterlab", "notebook")
CELL_TIMEOUT_S = 120  # fast mode: the slowest cell takes seconds
NOTEBOOK_TIMEOUT_S = 900
# Left out of the copy the wheel is built from: version control, environments, data, grading output.
NOT_COPIED_AT_ROOT = {".git", ".venv", "data", "build", "dist", "submitted", "autograded", "feedback", "exchange",
                      "checkpoints", "runs", "gradebook.db"}
NOT_COPIED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache")
PROBE = ("import json, os, sys\n"
         "print('COLAB-PROBE ' + json.dumps({'executable': sys.executable, 'cwd': os.getcwd(), 'path': sys.path,\n"
         "    'aml_gan': sys.modules['aml_gan'].__file__ if 'aml_gan' in sys.modules else None}))")


@dataclass
class ColabEnv:
    root: Path
    python: Path
    site_packages: Path
    wheel: Path
    seconds: Dict[str, float]

    def env(self, home: Path) -> Dict[str, str]:
        """A notebook's environment: this venv first on PATH, nothing pointing into the checkout
        or the test environment, fast mode on, Jupyter's and IPython's user folders empty."""
        drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", "NBGRADER_EXECUTION"}
        env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("AML_GAN_")}
        test_bin = str(Path(sys.executable).parent)
        path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != test_bin]
        env["PATH"] = os.pathsep.join([str(self.python.parent)] + path)
        env.update(AML_GAN_FAST="1", JUPYTER_DATA_DIR=str(home / "jupyter-data"),
                   JUPYTER_CONFIG_DIR=str(home / "jupyter-config"), IPYTHONDIR=str(home / "ipython"))
        return env


def _requirement_closure(roots) -> Dict[str, metadata.Distribution]:
    """The installed distributions ``roots`` need (their requirements, extras followed)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: Dict[str, metadata.Distribution] = {}
    todo, seen = [(name, ()) for name in roots], set()
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed here: pip installs it into the Colab-like environment if it is needed
        found[key[0]] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("",) + extras):
                todo.append((req.name, tuple(sorted(req.extras))))
    return found


def _link_preinstalled(folder: Path) -> None:
    """Symlinks in ``folder`` to the files of torch, torchvision and their dependencies
    (each top-level package and its .dist-info, as their RECORD lists them)."""
    folder.mkdir()
    for dist in _requirement_closure(PREINSTALLED).values():
        site = Path(dist.locate_file(""))
        for top in {f.parts[0] for f in dist.files or []}:
            if top in ("..", "__pycache__") or top.endswith(".pth") or (folder / top).exists():
                continue
            (folder / top).symlink_to(site / top)


def _copy_checkout(dest: Path) -> None:
    def ignore(directory, names):
        at_root = Path(directory) == REPO
        return [n for n in names if (at_root and n in NOT_COPIED_AT_ROOT) or n in NOT_COPIED or n.endswith(".egg-info")]

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="session")
def colab(tmp_path_factory) -> ColabEnv:
    root = tmp_path_factory.mktemp("colab")
    seconds: Dict[str, float] = {}

    tic = time.perf_counter()
    _copy_checkout(root / "checkout")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", root / "wheels", root / "checkout"])
    (wheel,) = (root / "wheels").glob("aml_gan-*.whl")
    seconds["wheel"] = time.perf_counter() - tic

    tic = time.perf_counter()
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    _link_preinstalled(root / "preinstalled")
    (site_packages / "_colab_preinstalled.pth").write_text(f"{root / 'preinstalled'}\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-input", "--progress-bar", "off",
          "--no-compile", wheel, "ipykernel", "nbclient"])
    seconds["install"] = time.perf_counter() - tic
    print(f"\nColab-like environment: wheel {seconds['wheel']:.1f} s, venv and install {seconds['install']:.1f} s",
          file=sys.stderr)

    yield ColabEnv(root, python, site_packages, wheel, seconds)
    shutil.rmtree(venv, ignore_errors=True)


def test_environment_is_colab_like(colab):
    installed = {p.name for p in colab.site_packages.iterdir()}
    assert "torch" not in installed, "pip installed its own torch: the pre-installed one was not seen"
    code = ("import json, importlib.util, torch, aml_gan\n"
            f"print(json.dumps({{'aml_gan': aml_gan.__file__, 'torch': torch.__file__, "
            f"'dev': [m for m in {DEV_ONLY!r} if importlib.util.find_spec(m)]}}))")
    proc = _run([colab.python, "-c", code], cwd=colab.root, env=colab.env(colab.root))
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(found["aml_gan"]).is_relative_to(colab.site_packages), found["aml_gan"]
    assert Path(found["torch"]).is_relative_to(colab.root / "preinstalled"), found["torch"]
    assert found["dev"] == [], f"development tools visible in the Colab-like environment: {found['dev']}"
    _run([sys.executable, "-m", "pip", "--python", colab.python, "check"])


def test_wheel_holds_every_package_file(colab):
    """Every file of the package in the checkout is in the wheel (data files too: declare them
    under [tool.setuptools.package-data] in pyproject.toml)."""
    import zipfile

    in_wheel = {n for n in zipfile.ZipFile(colab.wheel).namelist() if n.startswith("aml_gan/")}
    in_checkout = {p.relative_to(REPO).as_posix() for p in (REPO / "aml_gan").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert in_checkout - in_wheel == set(), "package files missing from the wheel"


def _execute(colab: ColabEnv, source: Path, workdir: Path) -> dict:
    """Run a copy of ``source`` alone in ``workdir`` with nbclient, errors allowed; the executed notebook."""
    import nbformat

    workdir.mkdir(parents=True)
    nb = read_notebook(source)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    path = workdir / source.name
    nbformat.write(nb, path)
    cmd = [colab.python.parent / "jupyter-execute", "--allow-errors", f"--timeout={CELL_TIMEOUT_S}",
           "--output=executed", path.name]
    for attempt in (1, 2):
        proc = subprocess.Popen([str(c) for c in cmd], cwd=workdir, env=colab.env(workdir), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=NOTEBOOK_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            log, _ = proc.communicate()
        if proc.returncode == 0:
            return nbformat.read(workdir / "executed.ipynb", as_version=4)
        # A kernel that stops answering (seen a few times in dozens of runs on a busy machine)
        # gets one more try, and a warning says where it stalled; a cell that runs too long fails both.
        if attempt == 2 or "Timeout" not in log:
            pytest.fail(f"{source.parent.name}: jupyter-execute failed (attempt {attempt}):\n{log[-4000:]}")
        warnings.warn(f"{source.parent.name}/{source.name}: no answer from the kernel, running it again:\n"
                      f"{log[-1500:]}")
    raise AssertionError("unreachable")


def _errors(nb) -> List[tuple]:
    """(cell index, cell, error output) for every error in the executed notebook."""
    return [(i, c, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def _probe(nb) -> dict:
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    match = re.search(r"COLAB-PROBE (.*)", text)
    assert match, f"the probe cell printed nothing: {nb.cells[-1].get('outputs')}"
    return json.loads(match.group(1))


def _check_ran_as_on_colab(colab: ColabEnv, nb, workdir: Path) -> None:
    probe = _probe(nb)
    assert Path(probe["executable"]).parent == colab.python.parent, f"the kernel ran {probe['executable']}"
    assert probe["aml_gan"] and Path(probe["aml_gan"]).is_relative_to(colab.site_packages), probe["aml_gan"]
    assert Path(probe["cwd"]).resolve() == workdir.resolve()
    assert not [p for p in probe["path"] if p and Path(p).resolve().is_relative_to(REPO)], "the checkout is importable"


def _describe(errors) -> str:
    lines = []
    for i, cell, out in errors:
        role = "grade" if cell.metadata.get("nbgrader", {}).get("grade") else "cell"
        lines.append(f"  {role} {i}: {out['ename']}: {out['evalue'][:300]}\n    {cell.source[:160]!r}")
    return "\n".join(lines)


def _allowed(cell, error) -> bool:
    """An error the untouched student notebook may show: the exercise is still empty."""
    return (bool(cell.metadata.get("nbgrader", {}).get("grade"))
            or "raise NotImplementedError()" in cell.source
            or error["ename"] == "NotImplementedError")


@pytest.mark.parametrize("assignment", assignments())
def test_student_notebook_runs_around_empty_exercises(colab, assignment, tmp_path):
    workdir = tmp_path / "content"
    nb = _execute(colab, RELEASE / assignment / f"{assignment}.ipynb", workdir)
    _check_ran_as_on_colab(colab, nb, workdir)
    wrong = [(i, cell, out) for i, cell, out in _errors(nb) if not _allowed(cell, out)]
    if wrong:
        pytest.fail(f"notebooks/{assignment}, untouched: cells that should run (fall back to the package's "
                    f"reference while an exercise is empty) fail:\n{_describe(wrong)}")
