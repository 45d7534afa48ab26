"""A cheap scan of a submission's code for attempts to reach into the grading; it only flags.

A flagged submission is listed for the instructor to read; its score is never changed. The
scan counts matches of a few patterns in every code cell and compares with the released
notebook, so what the release itself contains (its setup cell reads ``sys.modules``, some
cells import ``aml_gan.checks``) is not flagged. It is a hint, not a defence: the sandbox is
the defence, and the checks make a shortcut score 0 where they can.
"""
from __future__ import annotations

import re
from typing import Dict, List

__all__ = ["PATTERNS", "count_patterns", "flags"]

# What student code has no reason to touch: a name shown to the instructor, the pattern, and why
# it is worth a look. Patterns are regular expressions over the code of every code cell.
_RULES = [
    ("sys.modules", r"\bsys\s*\.\s*modules\b", "swaps imported modules"),
    ("aml_gan.checks", r"aml_gan\s*\.\s*checks\b", "reaches into the grading checks"),
    ("showtraceback", r"showtraceback", "hides error reports"),
    ("builtins", r"\b__builtins__\b|\bbuiltins\b", "rebinds Python's built-ins"),
    ("__code__", r"__code__", "rewrites a function's code"),
    ("__closure__", r"__closure__|\bcell_contents\b|getclosurevars|__defaults__|__kwdefaults__|__globals__",
     "takes functions out of closures or defaults"),
    ("vars(", r"\bvars\s*\(", "edits a module's or object's namespace"),
    ("__dict__", r"__dict__", "edits a module's or object's namespace"),
    ("setattr", r"\bsetattr\s*\(|\bdelattr\s*\(|__setattr__|__delattr__", "changes attributes by name"),
    ("gc.", r"\bgc\s*\.\s*get_\w+|\bget_referr\w+", "walks the garbage collector to reach hidden objects"),
    ("exec(", r"\bexec\s*\(|\beval\s*\(|\bcompile\s*\(", "runs code built at run time"),
    ("import_module", r"import_module|__import__|\bimportlib\b", "imports by name"),
    ("__name__ =", r"__name__['\"]?\]?\s*=(?!=)|['\"]__name__['\"]\s*:", "pretends to be another module"),
    ("gradebook", r"gradebook", "mentions the gradebook"),
    ("os.remove", r"\bos\s*\.\s*(remove|unlink|rmdir)\b|\.unlink\s*\(", "deletes files"),
    ("shutil.rmtree", r"\bshutil\s*\.\s*(rmtree|move)\b", "deletes or moves folders"),
    ("os.replace", r"\bos\s*\.\s*(replace|rename|renames)\b|\.(replace|rename)\s*\(\s*['\"][^'\"]*\.ipynb",
     "replaces or renames files (the notebook?)"),
    ("symlink", r"symlink|\bos\s*\.\s*link\b|hardlink_to|\.link_to\s*\(", "makes links"),
    ("socket", r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b", "opens network connections"),
    ("fork", r"\bfork\b|forkpty|posix_spawn|\bsubprocess\b|\bos\s*\.\s*(system|popen|exec\w*|spawn\w*)\b|"
             r"\bmultiprocessing\b|\bPopen\b", "starts processes"),
    ("mmap", r"\bmmap\b|\bshared_memory\b", "maps memory"),
    ("ctypes", r"\bctypes\b|\bcffi\b", "calls C directly"),
    ("/proc", r"/proc/|/etc/|/sys/", "reads the machine's files"),
    ("os.environ", r"\bos\s*\.\s*(environ|getenv|putenv)\b", "reads or changes the environment"),
]
PATTERNS: Dict[str, str] = {name: why for name, _, why in _RULES}
_COMPILED = {name: re.compile(pattern) for name, pattern, _ in _RULES}


def count_patterns(notebook_json: dict) -> Dict[str, int]:
    """How often each pattern occurs in the code cells of a notebook (as read by ``json.load``)."""
    code = []
    for cell in notebook_json.get("cells", []) if isinstance(notebook_json, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code.append("".join(source) if isinstance(source, list) else str(source))
    text = "\n".join(code)
    return {name: len(pattern.findall(text)) for name, pattern in _COMPILED.items()}


def flags(submitted: Dict[str, int], released: Dict[str, int]) -> List[str]:
    """Patterns the submission uses more often than the release, as short readable notes."""
    return [f"uses {p} ({PATTERNS[p]})" for p in PATTERNS if submitted.get(p, 0) > released.get(p, 0)]
