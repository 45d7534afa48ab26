"""The repair step before autograde (aml_gan.grading.repair) and the students' hand-in check.

Unit tests build every mangling of tests/mangled.py in memory from the 02_losses solution
(and some on 03_training_loop) and check the rebuilt notebook: the repair is named, every
graded cell is there once, in order, with the release's metadata, the answers byte for byte,
the tests from the release. One end-to-end test grades a class of mangled submissions with
one ``python -m aml_gan.grading grade`` run and compares each score with the intact notebook's.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest

from aml_gan.grading.repair import OUTPUT_CAP, repair_notebook, repair_submission
from conftest import SOLUTIONS, Course, tool_env
from mangled import (ASSIGNMENT, CASES, CLASS, FILE, HELPED_G, HELPER, WRONG_D, _delete, _duplicate,
                     _stripped, answers, dump, gid, hand_in, index, intact, release)

ANSWERS = ("discriminator_loss", "generator_loss", "margin_losses", "thinking_break_generator_loss")


def _repair(files, assignment=ASSIGNMENT):
    return repair_submission(files, {f"{assignment}.ipynb": release(assignment)}, assignment)


def _graded(data: bytes, assignment=ASSIGNMENT):
    """The repaired notebook, checked as nbgrader would: valid, metadata valid, each graded cell once."""
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.reads(data.decode(), as_version=4)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    rel = nbformat.reads(release(assignment).decode(), as_version=4)
    want = [gid(c) for c in rel.cells if gid(c)]
    assert [gid(c) for c in nb.cells if gid(c)] == want, "every graded cell once, in the release's order"
    by_id = {gid(c): c for c in nb.cells if gid(c)}
    for cell in rel.cells:
        if gid(cell):
            mine = by_id[gid(cell)]
            assert mine.cell_type == cell.cell_type and mine.metadata["nbgrader"] == cell.metadata["nbgrader"]
            if not cell.metadata["nbgrader"].get("solution"):
                assert mine.source == cell.source, f"{gid(cell)}: tests and locked cells come from the release"
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    return nb


@pytest.fixture(scope="module")
def student():
    return intact(discriminator_loss=WRONG_D)


def test_an_intact_notebook_passes_byte_for_byte(student):
    files = {FILE: dump(student), "data.csv": b"1,2\n"}
    repaired = _repair(files)
    assert repaired.repairs == [] and repaired.files == files
    assert "Nothing to repair" in repaired.log


@pytest.mark.parametrize("name", list(CASES))
def test_each_mangling_is_repaired_and_named(name, student):
    case = CASES[name]
    files = hand_in(student, case)
    repaired = _repair(files)
    if case.says is None:
        assert repaired.repairs == [], repaired.repairs
        return
    assert any(case.says in line for line in repaired.repairs), repaired.repairs
    assert set(repaired.files) == {FILE} | set(case.extra), "renamed notebooks graded under the release's name"
    assert all(repaired.files[k] == v for k, v in case.extra.items()), "other files pass unchanged"
    nb = _graded(repaired.files[FILE])
    cells = {gid(c): c for c in nb.cells if gid(c)}
    kept = {g: student["cells"][index(student, g)]["source"] for g in ANSWERS}
    if "deleted answer" in name:
        rel = json.loads(release())
        kept["generator_loss"] = "".join(rel["cells"][index(rel, "generator_loss")]["source"])
    for g, text in kept.items():
        assert cells[g].source == text, f"{g}: the student's answer, byte for byte"
    for c in nb.cells:
        if c.cell_type == "code":
            assert len(json.dumps(c.get("outputs", []))) <= OUTPUT_CAP
    for answer in ("discriminator_loss", "generator_loss", "margin_losses"):
        ids = [gid(c) for c in nb.cells]
        assert ids.index(answer) < ids.index("test_" + answer), "each answer runs before its test"
    for line in repaired.repairs:
        assert line in repaired.log


def test_the_copy_with_the_work_is_the_one_graded(student):
    nb = _graded(_repair(hand_in(student, CASES["duplicate with the work in the copy"])).files[FILE])
    assert [c.source for c in nb.cells if gid(c) == "margin_losses"] == [answers()["margin_losses"]]


def test_two_different_answers_are_both_kept(student):
    """A copied answer edited in both copies: the last is graded, the first kept ungraded (nothing lost)."""
    edit = _duplicate("generator_loss")
    nb = edit(json.loads(dump(student)))
    first = "def generator_loss(d_fake):\n    return 0  # my first try\n"
    nb["cells"][index(nb, "generator_loss")]["source"] = first
    repaired = _repair({FILE: dump(nb)})
    out = _graded(repaired.files[FILE])
    graded = next(c for c in out.cells if gid(c) == "generator_loss")
    assert graded.source == answers()["generator_loss"]
    assert any(c.source == first and not gid(c) for c in out.cells)
    assert ["a second, different copy of answer generator_loss kept as an ungraded cell"] == repaired.repairs


def test_the_students_helper_cell_stays_before_the_answer(student):
    nb = _graded(_repair(hand_in(student, CASES["added cell with a helper the answer uses"],
                                 CASES["duplicated test cell"])).files[FILE])
    sources = [c.source for c in nb.cells]
    assert sources.index(HELPER) < sources.index(HELPED_G)


def test_huge_outputs_are_dropped_small_ones_kept(student):
    nb = json.loads(dump(student))
    small = {"output_type": "stream", "name": "stdout", "text": "D(x) = 0.93\n"}
    nb["cells"][index(nb, "generator_loss")]["outputs"] = [small]
    out = _graded(_repair(hand_in(nb, CASES["5 MB of stored output"])).files[FILE])
    assert next(c for c in out.cells if gid(c) == "generator_loss").outputs == [small]
    assert max(len(json.dumps(c.get("outputs", []))) for c in out.cells) < 1000


def test_nbformat_3_is_read_and_left_alone_when_intact(student):
    def v3_of(nb):
        return nbformat.writes(nbformat.convert(nbformat.reads(dump(nb).decode(), as_version=4), 3))

    v3 = v3_of(student).encode()
    assert _repair({FILE: v3}).files[FILE] == v3
    broken = v3_of(_delete("test_generator_loss")(json.loads(dump(student))))
    repaired = _repair({FILE: broken.encode()})
    assert repaired.repairs == ["deleted test test_generator_loss restored"]
    assert nbformat.reads(repaired.files[FILE].decode(), as_version=4).nbformat_minor == 5


def test_what_is_not_this_notebook_is_left_as_it_is():
    junk = b'{"cells": [ this is not JSON'
    repaired = _repair({FILE: junk})
    assert repaired.files == {FILE: junk} and "is not a notebook" in repaired.repairs[0]
    other = (SOLUTIONS.parent / "notebooks" / "03_training_loop" / "03_training_loop.ipynb").read_bytes()
    repaired = _repair({FILE: other})
    assert repaired.files == {FILE: other} and "does not look like the released notebook" in repaired.repairs[0]
    assert _repair({"notes.txt": b"hi"}).files == {"notes.txt": b"hi"}


def test_another_assignment_stripped_duplicated_and_deleted():
    """03_training_loop: metadata gone everywhere, its first answer duplicated, its first test deleted."""
    a = "03_training_loop"
    nb = intact(a)
    rel = json.loads(release(a))
    first_answer = next(gid(c) for c in rel["cells"] if gid(c) and c["metadata"]["nbgrader"].get("solution")
                        and c["cell_type"] == "code")
    first_test = next(gid(c) for c in rel["cells"] if gid(c) and c["metadata"]["nbgrader"].get("grade")
                      and c["cell_type"] == "code")
    mangled = _stripped(_delete(first_test)(_duplicate(first_answer)(json.loads(dump(nb)))))
    repaired = _repair({f"{a} (2).ipynb": dump(mangled)}, a)
    lines = "; ".join(repaired.repairs)
    assert f"duplicate {first_answer} removed" in lines and f"deleted test {first_test} restored" in lines
    assert f"notebook found as '{a} (2).ipynb'" in lines
    out = _graded(repaired.files[f"{a}.ipynb"], a)
    for g, text in answers(a).items():
        if next(c for c in rel["cells"] if gid(c) == g)["cell_type"] == "code":
            assert next(c for c in out.cells if gid(c) == g).source == text


def test_repair_notebook_never_changes_an_answer_of_the_corpus(student):
    """Every correct and mistaken answer of the corpus, handed in retyped to markdown: kept exactly."""
    from corpus.runner import load_corpus

    corpus = load_corpus()[ASSIGNMENT]
    for entry in corpus.submissions:
        nb = json.loads(dump(student))
        for g, text in entry.cells.items():
            cell = nb["cells"][index(nb, g)]
            cell["source"], cell["cell_type"] = text, "markdown"
            cell.pop("outputs"), cell.pop("execution_count")
        data, events, _ = repair_notebook(dump(_stripped(nb)), release())
        out = nbformat.reads(data.decode(), as_version=4)
        for g, text in entry.cells.items():
            assert next(c for c in out.cells if gid(c) == g).source == text, f"{entry.name}: {g}"


# --------------------------------------------------------------------------- make grade, end to end
@pytest.mark.grading
def test_a_mangled_class_is_graded_like_the_intact_notebook(tmp_path, student):
    """One `python -m aml_gan.grading grade` run: every mangled submission graded, scored as the intact one."""
    course = Course.create(tmp_path / "course", {ASSIGNMENT: SOLUTIONS / ASSIGNMENT})
    course.release(ASSIGNMENT)
    handed = {"intact": {FILE: dump(student)}}
    handed.update({name: hand_in(student, *(CASES[c] for c in cases)) for name, cases in CLASS.items()})
    for name, files in handed.items():
        folder = course.root / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        for rel, data in files.items():
            (folder / rel).write_bytes(data)
    proc = subprocess.run([sys.executable, "-m", "aml_gan.grading", "grade", ASSIGNMENT, "--jobs", "2"],
                          cwd=course.root, env=tool_env(), capture_output=True, text=True, timeout=900)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, "every submission graded"

    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.split()[:1] and line.split()[0] in handed}
    full = course.scores(ASSIGNMENT, "intact")
    assert full["auto"] == 5 and full["max_auto"] == 8, "the intact notebook: one wrong answer (3 of 8 points lost)"
    assert "repaired" not in rows["intact"]
    for name, cases in CLASS.items():
        got = course.scores(ASSIGNMENT, name)
        want = dict(full["grades"])
        if "deleted answer cell" in cases:  # scores what the release stub scores
            want["test_generator_loss"] = 0
        assert got["grades"] == want, f"{name} ({cases}): {got['grades']}"
        assert (course.root / "autograded" / name / ASSIGNMENT / FILE).is_file()
        said = [CASES[c].says for c in cases if CASES[c].says]
        if said:
            assert "repaired: " in rows[name] and all(s in rows[name] for s in said), rows[name]
            log = (course.root / "grading_logs" / ASSIGNMENT / f"{name}.repair.log").read_text()
            assert all(s in log for s in said)
        else:
            assert "repaired" not in rows[name], rows[name]
    assert (course.root / "submitted" / "copyof" / ASSIGNMENT / f"Copy of {FILE}").is_file(), "the original is kept"
    course.nbgrader("generate_feedback", ASSIGNMENT, "--student", "deleted", "--force")
    assert (course.root / "feedback" / "deleted" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()
    export = course.nbgrader("export", "--to", str(tmp_path / "grades.csv"))
    assert export.returncode == 0 and len((tmp_path / "grades.csv").read_text().splitlines()) == 1 + len(handed)


# --------------------------------------------------------------------------- the students' hand-in check
def test_the_handin_manifest_is_the_release():
    from aml_gan.handin import build_manifest
    from aml_gan.handin_manifest import MANIFEST
    from conftest import RELEASE

    assert build_manifest(RELEASE) == MANIFEST, ("aml_gan/handin_manifest.py is out of date: run `make release` "
                                                 "(or python -m aml_gan.handin --write-manifest)")


def test_handin_check_passes_a_good_notebook_and_names_each_problem(tmp_path, student, monkeypatch):
    from aml_gan.handin import main, report

    good = tmp_path / FILE
    good.write_bytes(dump(student))
    found = report(str(good))
    assert found.ok and found.answered == found.answers == 4, str(found)
    assert [p.cell for p in found.problems] == ["notebook"], "only the note that the saved file was never run"

    bad = json.loads(dump(student))
    stub = json.loads(release())["cells"][index(json.loads(release()), "margin_losses")]["source"]
    bad["cells"][index(bad, "margin_losses")]["source"] = stub
    bad["cells"][index(bad, "test_discriminator_loss")]["outputs"] = [
        {"output_type": "error", "ename": "AssertionError", "evalue": "discriminator_loss has the wrong sign", "traceback": []}]
    bad["cells"][index(bad, "test_discriminator_loss")]["execution_count"] = 7
    files = hand_in(bad, CASES["renamed by Colab (Copy of X)"], CASES["duplicated test cell"],
                    CASES["deleted test cells"], CASES["answer retyped to markdown"])
    path = tmp_path / f"Copy of {FILE}"
    path.write_bytes(files[path.name])
    text = str(report(str(path)))
    print(text)
    for cell, phrase in [("test_discriminator_loss", "more than once"), ("generator_loss", "must be a code cell"),
                         ("test_margin_losses", "test cell is missing"), ("margin_losses", "still the release's stub"),
                         ("test_discriminator_loss", "the test raised AssertionError: discriminator_loss has the wrong sign"),
                         (path.name, "the file is named")]:
        assert re.search(rf"\[{re.escape(cell)}\] [^\n]*{re.escape(phrase)}", text), (cell, phrase)
    assert text.count("Fix: ") == len(report(str(path)).problems)
    assert main([str(path)]) == 1 and main([str(good)]) == 0

    # In a notebook's last cell: JupyterLab names the kernel's notebook; Colab hands over the browser's copy.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(good))
    assert report().notebook == FILE
    colab = type(sys)("google.colab")
    colab._message = type(sys)("google.colab._message")
    colab._message.blocking_request = lambda *a, **k: {"ipynb": json.loads(files[path.name])}
    monkeypatch.setitem(sys.modules, "google", type(sys)("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert not report().ok


def test_handin_run_names_the_cells_that_raise():
    """--run: a copy executed with nbclient (a two-cell notebook here; a course notebook takes its Run All time)."""
    from aml_gan.handin import Report, _run

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("y = undefined_name + x")])
    found = Report("tiny.ipynb", ASSIGNMENT)
    _run(nb, found)
    assert found.ran and [(p.cell, p.what) for p in found.problems] == [
        ("cell 2", "raised NameError: name 'undefined_name' is not defined")]


def test_of_several_renamed_copies_the_newest_is_graded_and_the_rest_kept(student):
    files = {name: dump(student) for name in (f"Copy of {FILE}", f"{ASSIGNMENT} (1).ipynb", f"{ASSIGNMENT} (2).ipynb")}
    repaired = _repair({**files, "notes.txt": b"x"})
    assert repaired.repairs == [f"notebook found as '{ASSIGNMENT} (2).ipynb' (the newest of 3 renamed copies; "
                                "the others are not graded)"]
    assert sorted(repaired.files) == sorted([FILE, f"Copy of {FILE}", f"{ASSIGNMENT} (1).ipynb", "notes.txt"])


def test_repair_command_for_plain_nbgrader(tmp_path, student, capsys):
    from aml_gan.grading.__main__ import main
    from conftest import REPO

    def run(*args):
        code = main(["repair", *map(str, args), "--course", str(REPO)])
        out = capsys.readouterr()
        return code, out.out + out.err

    copy_of = tmp_path / f"Copy of {FILE}"
    copy_of.write_bytes(hand_in(student, CASES["duplicated test cell"])[FILE])
    code, out = run(ASSIGNMENT, copy_of)
    assert code == 0 and "duplicate test_discriminator_loss removed" in out and f"-> {tmp_path / FILE}" in out
    assert copy_of.read_bytes() == hand_in(student, CASES["duplicated test cell"])[FILE], "the input is kept"
    _graded((tmp_path / FILE).read_bytes())
    code, out = run(ASSIGNMENT, copy_of)
    assert code == 2 and "exists: pass --force" in out
    code, out = run(ASSIGNMENT, tmp_path / FILE)
    assert code == 0 and "Nothing to repair" in out

    broken = tmp_path / "sub" / FILE
    broken.parent.mkdir()
    broken.write_bytes(hand_in(student, CASES["answer marked as a test with points"])[FILE])
    original = broken.read_bytes()
    code, out = run(ASSIGNMENT, broken)
    assert code == 0 and (tmp_path / "sub" / f"{ASSIGNMENT}.repaired.ipynb").is_file()
    code, out = run(ASSIGNMENT, broken, "--in-place")
    assert code == 0 and (tmp_path / "sub" / f"{FILE}.orig").read_bytes() == original
    _graded(broken.read_bytes())

    (tmp_path / "junk.ipynb").write_text("{not json")
    code, out = run(ASSIGNMENT, tmp_path / "junk.ipynb")
    assert code == 2 and "is not a notebook" in out and "nothing written" in out
    code, out = run("09_unknown", copy_of)
    assert code == 2 and "release it first" in out and "generate_assignment 09_unknown" in out
