"""The class report: what the class got wrong, read the morning after ``make grade``.

``python -m aml_gan.grading report [ASSIGNMENT ...]`` (``make report A=<assignment>``) writes
``reports/<assignment>.html`` (one self-contained page) and ``reports/<assignment>.json`` (the
same numbers) and prints a headline. One job per module: ``reading`` (the gradebook, the
autograded notebooks and the checks' records), ``summary`` (the numbers), ``similarity``
(copydetect's winnowing between students and against the package's reference answers),
``rendering`` (HTML with embedded figures, and the headline). It never changes a score.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Tuple

from .reading import ReportError, graded_assignments, read_assignment
from .similarity import THRESHOLD

__all__ = ["ReportError", "graded_assignments", "write_report"]


def write_report(course: Path, assignment: str, out: Optional[Path] = None,
                 threshold: float = THRESHOLD) -> Tuple[dict, str]:
    """Write ``<out>/<assignment>.html`` and ``.json`` (out: ``<course>/reports``); returns (numbers, headline)."""
    from .rendering import headline, render_html
    from .summary import summarise

    try:
        import copydetect  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ReportError(f"the class report needs {err.name}, which is not installed: .venv/bin/pip install -e "
                          "'.[dev,grading]' (what make install does)") from err

    data = summarise(read_assignment(course, assignment), threshold)
    out = Path(out) if out is not None else Path(course).resolve() / "reports"
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / f"{assignment}.html", out / f"{assignment}.json"
    html_path.write_text(render_html(data), encoding="utf-8")
    plain = {k: v for k, v in data.items() if not k.startswith("_")}
    json_path.write_text(json.dumps(plain, indent=1) + "\n", encoding="utf-8")
    return plain, headline(data, html_path, json_path)
