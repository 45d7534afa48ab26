"""A cheap scan of a submission's code for attempts to reach into the grading; it only flags.

A flagged submission is listed for the instructor to read; its score is never changed. The
scan counts plain substrings in every code cell and compares with the released notebook, so
what the release itself contains (its setup cell reads ``sys.modules``, some cells import
``aml_gan.checks``) is not flagged. It is a hint, not a defence: the sandbox is the defence.
"""
from __future__ import annotations

from typing import Dict, List

__all__ = ["PATTERNS", "count_patterns", "flags"]

# What student code has no reason to touch, and why an instructor would want to look.
PATTERNS: Dict[str, str] = {
    "sys.modules": "swaps imported modules",
    "aml_gan.checks": "reaches into the grading checks",
    "showtraceback": "hides error reports",
    "builtins": "rebinds Python's built-ins",
    "__code__": "rewrites a function's code",
    "gradebook": "mentions the gradebook",
    "os.remove": "deletes files",
    "shutil.rmtree": "deletes folders",
}


def count_patterns(notebook_json: dict) -> Dict[str, int]:
    """How often each pattern occurs in the code cells of a notebook (as read by ``json.load``)."""
    code = []
    for cell in notebook_json.get("cells", []) if isinstance(notebook_json, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code.append("".join(source) if isinstance(source, list) else str(source))
    text = "\n".join(code)
    return {pattern: text.count(pattern) for pattern in PATTERNS}


def flags(submitted: Dict[str, int], released: Dict[str, int]) -> List[str]:
    """Patterns the submission uses more often than the release, as short readable notes."""
    return [f"uses {p} ({PATTERNS[p]})" for p in PATTERNS if submitted.get(p, 0) > released.get(p, 0)]
