"""notebooks/ is exactly what nbgrader generates from solutions/, and both are clean."""
from __future__ import annotations

import re
try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

import pytest

from conftest import RELEASE, REPO, SOLUTIONS, assignments, nbgrader_meta, read_notebook

ALL = assignments()


def _repo_url() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def test_there_are_assignments():
    assert ALL, "no solutions/NN_topic/NN_topic.ipynb found"


def test_release_has_exactly_the_solution_assignments():
    released = sorted(p.parent.name for p in RELEASE.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
    assert released == ALL, "run `make release` and commit notebooks/"


@pytest.mark.parametrize("assignment", ALL)
def test_release_is_up_to_date(assignment, course_factory):
    course = course_factory({assignment: SOLUTIONS / assignment})
    course.nbgrader("generate_assignment", assignment, "--force", "--no-db")  # the same notebook, no gradebook
    fresh = read_notebook(course.root / "notebooks" / assignment / f"{assignment}.ipynb")
    committed = read_notebook(RELEASE / assignment / f"{assignment}.ipynb")
    assert fresh == committed, (
        f"notebooks/{assignment} is stale: run `make release` and commit the result"
    )


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize("assignment", ALL)
def test_stored_without_outputs(folder, assignment):
    nb = read_notebook(REPO / folder / assignment / f"{assignment}.ipynb")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{folder}/{assignment}: a cell has stored outputs"
            assert cell.execution_count is None, f"{folder}/{assignment}: a cell has an execution count"


@pytest.mark.parametrize("assignment", ALL)
def test_student_notebook_has_no_solution_or_hidden_tests(assignment):
    text = (RELEASE / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{assignment}: student notebook contains {marker!r}"
    sol = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
    stu = read_notebook(RELEASE / assignment / f"{assignment}.ipynb")
    n_solution = sum(1 for c in sol.cells if nbgrader_meta(c).get("solution"))
    stubs = sum(1 for c in stu.cells if "raise NotImplementedError()" in c.source or "YOUR ANSWER HERE" in c.source)
    assert n_solution > 0 and stubs == n_solution


@pytest.mark.parametrize("assignment", ALL)
def test_notebook_shape(assignment):
    """Title first, then the shared setup cell (Colab install from the one repository URL);
    grade ids unique; it ends by asserting its outcome."""
    nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    setup = nb.cells[1]
    assert setup.cell_type == "code"
    assert '"google.colab" in sys.modules' in setup.source
    assert f"git+{_repo_url()}" in setup.source, "run tools/set_repo_url.py: the Colab install URL is stale"
    assert "seed_everything(" in setup.source and "get_device()" in setup.source
    ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade ids in {assignment}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert re.search(r"^\s*assert ", code[-1].source, re.M), f"{assignment} must end by asserting its outcome"


def test_readme_links_every_notebook_to_colab():
    readme = (REPO / "README.md").read_text()
    url = _repo_url()
    slug = url.removeprefix("https://github.com/").rstrip("/")
    for assignment in ALL:
        link = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{assignment}/{assignment}.ipynb"
        assert link in readme, f"README lacks the Colab link for {assignment} (run tools/set_repo_url.py)"
