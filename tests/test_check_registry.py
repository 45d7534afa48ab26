"""Guards on the checks' wiring: the code registry, the decorator, the reference twins, the shortcuts.

These read the package's source (ast) and the solution notebooks' test cells; they run no check
except a few ``Report`` calls, so they take well under a second.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

import aml_gan
import aml_gan.checks
from aml_gan.checks import Report, codes
from aml_gan.checks.student import grading_check

PACKAGE = Path(aml_gan.__file__).resolve().parent
CHECKS = PACKAGE / "checks"


@functools.lru_cache(maxsize=None)
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _sources(root: Path, containing: str = "") -> Iterator[Tuple[Path, ast.Module]]:
    """The parsed modules under ``root`` whose text holds ``containing``."""
    for path in sorted(root.rglob("*.py")):
        if containing in path.read_text(encoding="utf-8"):
            yield path, _parsed(path)


def _decorations(name: str) -> Iterator[Tuple[Path, ast.AST, ast.Call]]:
    """Every ``@name(...)`` in the package: (file, decorated definition, the decorator's call)."""
    for path, tree in _sources(PACKAGE, f"@{name}("):
        for node in ast.walk(tree):  # every definition, methods included
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for dec in node.decorator_list:
                    func = dec.func if isinstance(dec, ast.Call) else None
                    called = getattr(func, "id", None) or getattr(func, "attr", None)
                    if called == name:
                        yield path, node, dec


def _strings(call: ast.Call) -> List[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _graded_exercises() -> Dict[str, Set[str]]:
    """exercise -> names of the public checks that ``@grading_check`` wraps for it."""
    found: Dict[str, Set[str]] = {}
    for _, node, call in _decorations("grading_check"):
        for exercise in _strings(call):
            found.setdefault(exercise, set()).add(node.name)
    return found


# ----------------------------------------------------------------------------- the registry


def test_report_refuses_an_unregistered_code():
    report = Report("check_x")
    with pytest.raises(codes.UnregisteredCode, match=r"'no_such_code'.*aml_gan/checks/codes\.py"):
        report.problem("no_such_code", "a message")
    with pytest.raises(codes.UnregisteredCode, match="registered as a problem"):
        report.warn("not_implemented", "a problem code used as a warning")
    with pytest.raises(codes.UnregisteredCode, match="registered as a warning"):
        report.problem("printed_output", "a warning code used as a problem")
    assert report.passed and not report.warnings
    report.problem("not_implemented", "the stub")
    report.warn("printed_output", "it printed")
    assert report.codes == ["not_implemented"] and [w.code for w in report.warnings] == ["printed_output"]


def test_every_code_a_check_names_literally_is_registered():
    """The runtime refusal catches a code when it fires; this catches it before any student meets it."""
    unknown = []
    for path, tree in _sources(CHECKS):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("problem", "warn") and node.args:
                first = node.args[0]
                table = codes.PROBLEMS if node.func.attr == "problem" else codes.WARNINGS
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value not in table:
                    unknown.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {first.value!r}")
    assert not unknown, "register these in aml_gan/checks/codes.py:\n" + "\n".join(unknown)


def test_no_registered_code_is_dead():
    """Every registered code is written, quoted, somewhere in the checks besides the registry (codes built
    from a table are its keys), so a code that no check can emit any more is removed from the registry."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CHECKS.rglob("*.py")) if p.name != "codes.py")
    dead = sorted(c for c in codes.CODES if f'"{c}"' not in text and f"'{c}'" not in text)
    assert not dead, f"registered in codes.py but emitted by no check: {dead}"


def test_the_registry_has_one_meaning_per_code_and_no_renamed_code():
    for code, meaning in {**codes.PROBLEMS, **codes.WARNINGS}.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert meaning.strip(), f"{code} has no meaning"
    assert not set(codes.RENAMED) & codes.CODES, "a renamed code is still registered"
    assert set(codes.RENAMED.values()) <= codes.CODES, "a code was renamed to an unregistered code"


# ----------------------------------------------------------------------------- the decorator and the twins


def _wrapper_code():
    """The code object every ``grading_check`` wrapper runs (the same for every check it wraps)."""
    return grading_check("a probe exercise")(lambda report, fn: None).__code__


def test_every_public_check_is_wrapped_by_grading_check():
    wrapper = _wrapper_code()
    public = [n for n in dir(aml_gan.checks) if n.startswith("check_") and callable(getattr(aml_gan.checks, n))]
    assert len(public) >= 15, public
    bare = [n for n in public if getattr(getattr(aml_gan.checks, n), "__code__", None) is not wrapper]
    assert not bare, f"public checks not wrapped by @grading_check: {bare}"


def test_every_graded_exercise_has_a_reference_twin_of_the_same_name():
    graded = _graded_exercises()
    twins = {e for _, _, call in _decorations("reference") for e in _strings(call)}
    assert len(graded) >= 10, graded
    missing = sorted(set(graded) - twins)
    assert not missing, (f"@grading_check names exercises with no @reference twin spelled exactly the same: {missing} "
                         f"(twins: {sorted(twins)})")


def test_every_graded_exercise_has_a_shortcut_case():
    """A case in tests/corpus/shortcuts.py graded by a test cell that calls a check of that exercise."""
    import corpus.shortcuts
    from conftest import SOLUTIONS, nbgrader_meta, read_notebook
    from corpus.runner import load_corpus

    graded = _graded_exercises()
    checks_of = {check: {e for e, names in graded.items() if check in names} for names in graded.values()
                 for check in names}
    corpora = load_corpus()
    covered: Set[str] = set()
    for assignment, entries in corpus.shortcuts.SUBMISSIONS_BY_ASSIGNMENT.items():
        nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
        cells = {nbgrader_meta(c).get("grade_id"): c.source for c in nb.cells if nbgrader_meta(c).get("grade")}
        for entry in entries:
            for test in entry.fails or corpora[assignment].tests_for(entry):
                for check, exercises in checks_of.items():
                    if re.search(rf"\b{check}\(", cells.get(test, "")):
                        covered |= exercises
    missing = sorted(set(graded) - covered)
    assert not missing, f"exercises with no case in tests/corpus/shortcuts.py: {missing}"
