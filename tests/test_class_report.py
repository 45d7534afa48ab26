"""``make report``: the class report read from a class graded by ``make grade``.

A synthetic class of two assignments (02_losses, 06_gaussian_estimator), each student's answer
cells taken from the corpus (tests/corpus/): correct answers in other styles, realistic mistakes,
the untouched release, a student who pasted the package's own answer, two students who share
one answer (one renamed its variables), graded once per module with ``python -m aml_gan.grading
grade``. What it checks:

- the checks record their codes in the graded notebook (visible cell and hidden tests), and no
  feedback page shows the record or a hidden test;
- the report's numbers equal the gradebook's, and each mistake group holds exactly the students
  whose corpus entry makes that mistake (the wrong-sign generator loss in one group, no other);
- the untouched release is counted as untouched; the pasted reference and the copied pair are
  flagged, two independent correct answers in different styles are not;
- the HTML opens in headless Chromium with its figures and no console error;
- bad input (no gradebook, an assignment not graded, an older release) gets an error naming the fix.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, SOLUTIONS, Course, nbgrader_meta, tool_env
from corpus.runner import load_corpus

pytestmark = pytest.mark.grading

MIME = "application/vnd.aml-gan.check+json"
CORPUS = load_corpus()
REFERENCE_SOURCE = re.search(r"@reference\(\"margin_losses\"\)\n(def margin_losses.*?)\n\n\n",
                             (REPO / "aml_gan" / "losses.py").read_text(), re.S).group(1) + "\n"


# Passes the visible check (margins 1 and 2) and fails the hidden one (margin 0.5): only a hidden
# test can record its code.
INT_MARGIN = '''def margin_losses(c_real, c_fake, margin):
    hinge = torch.relu(int(margin) - c_fake)  # the margin is a whole number of cost units
    return c_real.mean() + hinge.mean(), c_fake.mean()
'''


def _entry(assignment: str, name: str) -> dict:
    return next(s for s in CORPUS[assignment].submissions if s.name == name).cells


def _rename(source: str, names: dict) -> str:
    for old, new in names.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return source


# Each student: the corpus entries handed in (other answer cells left as released) and the codes
# each test cell must record, exactly. Answer cells left as released record not_implemented.
D, G, M = "test_discriminator_loss", "test_generator_loss", "test_margin_losses"
LOSSES = {
    "ada": (["d_bce_with_labels", "g_clamp_both_sides", "m_functional_relu"], {}),
    "ben": (["d_clamp_both_sides", "g_sum_with_epsilon", "m_maximum_with_zeros"], {}),
    "cat": (["d_sum_with_epsilon", "g_sign_error", "m_where"], {G: {"wrong_generator_loss"}}),
    "dan": (["d_labels_swapped", "g_minimax_loss"], {D: {"wrong_discriminator_loss"}, G: {"saturating_generator_loss"},
                                                    M: {"not_implemented"}}),
    "eve": (["d_logs_without_a_guard", "m_hinge_on_the_wrong_side"], {D: {"not_finite_at_saturation"},
                                                                     G: {"not_implemented"}, M: {"wrong_cost_loss"}}),
    "fay": (["d_one_bce_over_both_piles", "g_bceloss_sum_reduction"], {}),  # + the package's margin_losses
    "gus": (["d_halved_bce_as_in_course_notebooks"], {G: {"not_implemented"}, M: {"wrong_cost_loss"}}),  # + INT_MARGIN
    "hal": (["m_hinge_left_out"], {G: {"not_implemented"}, M: {"wrong_cost_loss"}}),  # + gus's D, renamed
    "ivy": ([], {D: {"not_implemented"}, G: {"not_implemented"}, M: {"not_implemented"}}),  # the release
    "jon": (["d_returns_a_python_number", "g_returns_a_python_number", "m_python_max_on_a_tensor"],
            {D: {"returns_wrong_type"}, G: {"returns_wrong_type"}, M: {"raised"}}),
    "kim": (["d_epsilon_too_large", "g_one_minus_log", "m_margin_hard_coded"],
            {D: {"wrong_discriminator_loss"}, G: {"wrong_generator_loss"}, M: {"margin_ignored"}}),
}
I, S = "test_implied_gaussian", "test_implied_gaussian_shapes"
# 06 is slow to grade: one correct style, one warned, three mistakes (one only the hidden test catches), the release
GAUSSIAN = {
    "ada": ("mm_and_t", {}),
    "cat": ("attached_tensors_warned_only", {}),  # full marks, with a warning
    "dan": ("wt_w_order", {I: {"cov_transposed"}, S: {"cov_transposed"}}),
    "eve": ("forgets_the_bias", {I: {"mean_missing_bias"}, S: {"mean_missing_bias"}}),
    "hal": ("hard_coded_two_by_two", {S: {"cov_transposed", "cov_wrong", "raised"}}),  # latent size 1 breaks it
    "ivy": (None, {I: {"not_implemented"}, S: {"not_implemented"}}),
}
EXPECTED = {"02_losses": {s: codes for s, (_, codes) in LOSSES.items()},
            "06_gaussian_estimator": {s: codes for s, (_, codes) in GAUSSIAN.items()}}


def _hand_in(released, cells: dict):
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") in cells:
            cell.source = cells[nbgrader_meta(cell)["grade_id"]]
    return nb


def _report(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aml_gan.grading", "report", *args], cwd=course, env=tool_env(),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class, graded by `make grade`'s command, and its report: (course, {assignment: report json}, stdout)."""
    root = tmp_path_factory.mktemp("class_report") / "course"
    course = Course.create(root, {a: SOLUTIONS / a for a in EXPECTED})
    released = {a: nbformat.read(course.release(a), as_version=4) for a in EXPECTED}
    for student, (names, _) in LOSSES.items():
        cells = {}
        for name in names:
            cells.update(_entry("02_losses", name))
        if student == "fay":
            cells["margin_losses"] = REFERENCE_SOURCE
        if student == "gus":
            cells["margin_losses"] = INT_MARGIN
        if student == "hal":  # gus's answer with its names changed and a comment of its own
            cells["discriminator_loss"] = _rename(_entry("02_losses", "d_halved_bce_as_in_course_notebooks")[
                "discriminator_loss"], {"criterion": "bce", "disc_real_loss": "real_part", "disc_fake_loss": "fake_part"}
            ).replace("    bce = ", "    # binary cross-entropy for both halves\n    bce = ")
        course.submit(student, "02_losses", _hand_in(released["02_losses"], cells))
    for student, (name, _) in GAUSSIAN.items():
        course.submit(student, "06_gaussian_estimator",
                      _hand_in(released["06_gaussian_estimator"], _entry("06_gaussian_estimator", name) if name else {}))
    for assignment in EXPECTED:
        proc = subprocess.run([sys.executable, "-m", "aml_gan.grading", "grade", assignment, "--jobs", "2"],
                              cwd=root, env=tool_env(), capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    proc = _report(root)  # every graded assignment, as `make report` without A
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reports = {a: json.loads((root / "reports" / f"{a}.json").read_text()) for a in EXPECTED}
    return course, reports, proc.stdout


# --------------------------------------------------------------------------- the records
def test_visible_and_hidden_tests_record_their_codes_and_feedback_shows_neither(graded):
    from aml_gan.checks.report import MIME_TYPE
    from aml_gan.grading.class_report.reading import MIME_TYPE as READ

    assert MIME == MIME_TYPE == READ
    course, _, _ = graded
    def records(student, grade_id):
        cell = next(c for c in course.autograded("02_losses", student).cells if nbgrader_meta(c).get("grade_id") == grade_id)
        assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        return [o.data for o in cell.outputs if o.output_type == "display_data" and MIME in o.data]

    # the visible part fails: its display(report) records the codes, next to the HTML students see
    visible = records("cat", G)
    assert len(visible) == 1 and "text/html" in visible[0]
    assert [p["code"] for p in visible[0][MIME]["problems"]] == ["wrong_generator_loss"]
    # the visible part passes and a hidden test fails: the failing report records itself, alone
    passed, hidden = records("gus", M)
    assert passed[MIME]["passed"] and "text/html" in passed and list(hidden) == [MIME]
    assert [p["code"] for p in hidden[MIME]["problems"]] == ["wrong_cost_loss"]
    assert [r[MIME]["passed"] for r in records("ada", G)] == [True]  # a passing hidden test records nothing

    course.nbgrader("generate_feedback", "02_losses", "--student=gus")
    page = (course.root / "feedback" / "gus" / "02_losses" / "02_losses.html").read_text()
    assert "all checks passed" in page and "wrong_cost_loss" in page  # the visible report; the hidden error's message
    assert "vnd.aml-gan" not in page and '"passed"' not in page and "whole number of cost units" in page
    solution = nbformat.read(SOLUTIONS / "02_losses" / "02_losses.ipynb", as_version=4)
    hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", "\n".join(c.source for c in solution.cells), re.S)
    lines = [ln.strip() for block in hidden for ln in block.splitlines() if len(ln.strip()) > 12]
    assert lines and not [ln for ln in lines if ln in page or ln.replace('"', "&quot;") in page]


# --------------------------------------------------------------------------- the numbers
@pytest.mark.parametrize("assignment", list(EXPECTED))
def test_report_counts_equal_the_gradebook_and_the_corpus(graded, assignment):
    course, reports, _ = graded
    report = reports[assignment]
    students = sorted(EXPECTED[assignment])
    assert report["submissions"] == report["graded"] == len(students) and not report["ungraded"]
    scores = {s: course.scores(assignment, s) for s in students}
    assert report["scores"] == pytest.approx({s: scores[s]["auto"] for s in students})
    assert report["max_score"] == scores[students[0]]["max_auto"]
    for cell in report["cells"]:
        got = [scores[s]["grades"][cell["grade_id"]] for s in students]
        assert cell["mean"] == pytest.approx(sum(got) / len(got), abs=1e-3)
        assert cell["full_marks"] == pytest.approx(sum(g == cell["points"] for g in got) / len(got), abs=1e-3)
        # every code group holds exactly the students the corpus names for it
        groups = {m["code"]: sorted(m["students"]) for m in cell["mistakes"] if m["kind"] == "problem"}
        want = {}
        for student, codes in EXPECTED[assignment].items():
            for code in codes.get(cell["grade_id"], ()):
                want.setdefault(code, []).append(student)
        assert groups == {c: sorted(s) for c, s in want.items()}, cell["grade_id"]
        for m in cell["mistakes"]:
            assert m["count"] == len(m["students"]) and m["share"] == pytest.approx(m["count"] / len(students), abs=1e-3)
            assert m["message"]
        ordered = [m["count"] for m in cell["mistakes"] if m["kind"] == "problem"]
        assert ordered == sorted(ordered, reverse=True)
        # a student loses the cell's points exactly when a problem is recorded for it
        failing = sorted(s for s in students if scores[s]["grades"][cell["grade_id"]] < cell["points"])
        assert failing == sorted({s for g in groups.values() for s in g}), cell["grade_id"]
    # the corpus's own expected codes (its mentions that are codes) are what the checks recorded
    corpus = {s.name: s for s in CORPUS[assignment].submissions}
    chosen = LOSSES if assignment == "02_losses" else {k: ([v[0]] if v[0] else [], v[1]) for k, v in GAUSSIAN.items()}
    for student, (names, codes) in chosen.items():
        recorded = set().union(*codes.values()) if codes else set()
        for name in names:
            for mention in corpus[name].mentions:
                if re.fullmatch(r"[a-z]+(_[a-z]+)+", mention):
                    assert mention in recorded, (student, name, mention)


def test_wrong_sign_loss_is_in_its_group_and_no_other(graded):
    _, reports, _ = graded
    groups = [(c["grade_id"], m["code"]) for c in reports["02_losses"]["cells"] for m in c["mistakes"]
              if "cat" in m["students"]]
    assert groups == [(G, "wrong_generator_loss")]
    # a warning is listed as one, and costs nothing
    report = reports["06_gaussian_estimator"]
    warned = [(c["grade_id"], m["code"], m["kind"]) for c in report["cells"] for m in c["mistakes"] if "cat" in m["students"]]
    assert warned == [(I, "not_detached", "warning"), (S, "not_detached", "warning")]
    assert report["scores"]["cat"] == report["max_score"]


def test_untouched_release_is_counted_as_untouched(graded):
    _, reports, _ = graded
    for assignment, report in reports.items():
        for cell in report["cells"]:
            untouched = [s for s, codes in EXPECTED[assignment].items()
                         if codes.get(cell["grade_id"]) == {"not_implemented"}]
            assert "ivy" in untouched
            assert cell["untouched"] == pytest.approx(len(untouched) / report["graded"], abs=1e-3), cell["grade_id"]
            assert cell["raised"] >= cell["untouched"]


def test_copies_are_flagged_and_independent_styles_are_not(graded):
    _, reports, _ = graded
    pairs = reports["02_losses"]["similarity"]["pairs"]
    flagged = {(p["cell"], tuple(p["students"]), p["reference"]) for p in pairs}
    assert ("margin_losses", ("fay",), "aml_gan.losses.margin_losses") in flagged
    assert ("discriminator_loss", ("gus", "hal"), None) in flagged
    assert len(flagged) == 2, flagged
    assert not reports["06_gaussian_estimator"]["similarity"]["pairs"]
    for report in reports.values():  # ada and ben answered every exercise correctly, in other styles
        assert not [p for p in report["similarity"]["pairs"] if {"ada", "ben"} <= set(p["students"])]
        for p in report["similarity"]["closest_not_flagged"]:
            assert p["similarity"] < 0.8 or p["common_length"] < report["similarity"]["min_common_length"]


def test_headline_names_the_top_mistakes(graded):
    course, _, stdout = graded
    assert "02_losses: 11 of 11 submissions graded" in stdout
    assert re.search(r"test_generator_loss: full marks \d+%; not_implemented 4, wrong_generator_loss 2", stdout), stdout
    assert "1 pair(s) of students, 1 match(es) of the package's source" in stdout
    assert str(course.root / "reports" / "02_losses.html") in stdout


# --------------------------------------------------------------------------- the page in a browser
def test_html_opens_in_chromium_with_its_figures_and_no_console_errors(graded):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the [dev] extra)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("needs Chromium: `sudo apt-get install chromium`")
    course, _, _ = graded
    page_file = course.root / "reports" / "02_losses.html"
    text = page_file.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "the page must not load anything from elsewhere"
    shots = REPO / "tests" / "screenshots"
    shots.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            problems = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            widths = page.evaluate("() => Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 1 + 3 and all(w > 0 for w in widths), widths  # histogram, a bar chart per test cell
            assert "gus and hal" in page.inner_text("body")
            page.screenshot(path=str(shots / "class_report_02_losses.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems


# --------------------------------------------------------------------------- bad input
def test_no_gradebook_says_release_and_grade_first(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    proc = _report(tmp_path, "02_losses")
    assert proc.returncode == 2 and "there is no gradebook" in proc.stderr and "make grade A=" in proc.stderr


@pytest.fixture
def course_copy(graded, tmp_path) -> Path:
    course, _, _ = graded
    shutil.copytree(course.root, tmp_path / "course", ignore=shutil.ignore_patterns("reports", "feedback"))
    return tmp_path / "course"


def test_assignment_not_graded_says_grade_it_first(course_copy):
    from nbgrader.api import Gradebook

    from aml_gan.grading.class_report import ReportError, write_report

    with Gradebook(f"sqlite:///{course_copy / 'gradebook.db'}") as gb:
        gb.add_assignment("03_training_loop")
    with pytest.raises(ReportError, match=r"03_training_loop is not graded yet.*make grade A=03_training_loop"):
        write_report(course_copy, "03_training_loop")
    with pytest.raises(ReportError, match=r"has no assignment '09_nothing'.*make release ASSIGNMENTS=09_nothing"):
        write_report(course_copy, "09_nothing")


def test_notebook_from_an_older_release_names_the_cells(course_copy):
    from aml_gan.grading.class_report import ReportError, write_report

    path = course_copy / "autograded" / "dan" / "06_gaussian_estimator" / "06_gaussian_estimator.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = {nbgrader_meta(c).get("grade_id"): c for c in nb.cells}
    cells[S].source = cells[S].source.replace("seed=51", "seed=50")  # the test cell changed since
    nbformat.write(nb, path)
    with pytest.raises(ReportError, match=rf"dan.*older release.*checksum differs from the release's: {S}\b.*FORCE=1"):
        write_report(course_copy, "06_gaussian_estimator")
    cells[S].source = cells[S].source.replace("seed=50", "seed=51")
    cells[I].metadata["nbgrader"]["grade_id"] = "test_implied_gaussian_v1"  # a cell the release no longer has
    nbformat.write(nb, path)
    with pytest.raises(ReportError, match=r"older release.*no longer has: test_implied_gaussian_v1"):
        write_report(course_copy, "06_gaussian_estimator")


def test_ungraded_and_flagged_students_are_listed_with_the_reason_and_the_line(course_copy):
    from aml_gan.grading.class_report import write_report

    released = nbformat.read(course_copy / "notebooks" / "02_losses" / "02_losses.ipynb", as_version=4)
    tampered = _hand_in(released, {"discriminator_loss": "import sys\nsys.modules['aml_gan.checks'] = None\n"})
    Course(course_copy).submit("zoe", "02_losses", tampered)  # handed in, never graded
    logs = course_copy / "grading_logs" / "02_losses"
    logs.mkdir(parents=True, exist_ok=True)  # make grade keeps its logs there
    (logs / "zoe.json").write_text(json.dumps({"reason": "stopped at the time limit (600 s)", "flags": ["uses fork"]}))
    data, said = write_report(course_copy, "02_losses")
    assert data["submissions"] == 12 and data["graded"] == 11 and "zoe" not in data["scores"]
    assert data["ungraded"] == [{"student": "zoe", "reason": "stopped at the time limit (600 s)"}]
    assert data["flagged"] == [{"student": "zoe", "flags": [
        "swaps imported modules: sys.modules['aml_gan.checks'] = None",
        "reaches into the grading checks: sys.modules['aml_gan.checks'] = None", "uses fork"]}]
    assert "ungraded 1, flagged 1" in said
