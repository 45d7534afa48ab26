"""nbgrader plug-in: feedback that shows why a hidden test failed, never the test itself.

nbgrader's ``ClearHiddenTests`` removes the hidden region from a test cell's source, but the
cell's outputs still hold what the hidden lines did while grading: a traceback quotes the
failing hidden line with its neighbours, and anything they printed is there too. For every
cell with a hidden region, :class:`HideHiddenTestOutput` keeps each error's type and
message (the course's checks put the bug and its fix there) and drops the traceback, and
removes from the other outputs any line that quotes the hidden region. Run it before
``ClearHiddenTests`` (it reads the hidden region from the source).
"""
from __future__ import annotations

import re
from typing import List, Tuple

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class HideHiddenTestOutput(NbGraderPreprocessor):
    """Strip tracebacks and quoted hidden lines from the outputs of cells with hidden tests."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    min_quote = 8  # shorter hidden lines ("pass", ")") say nothing about the test

    def hidden_lines(self, source: str) -> List[str]:
        lines, inside = [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside and len(line.strip()) >= self.min_quote and not line.strip().startswith("#"):
                lines.append(line.strip())
        return lines

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> Tuple[NotebookNode, dict]:
        if cell.cell_type != "code" or self.begin_test_delimeter not in cell.source:
            return cell, resources
        hidden = self.hidden_lines(cell.source)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                message = _ANSI.sub("", f"{output.ename}: {output.evalue}" if output.evalue else output.ename)
                output.traceback = [self._scrub(message, hidden)]
                output.evalue = self._scrub(_ANSI.sub("", output.evalue), hidden)
            elif output.output_type == "stream":
                output.text = self._scrub(output.text, hidden)
            elif output.output_type in ("display_data", "execute_result"):
                for mime in ("text/plain", "text/html", "text/markdown"):
                    if mime in output.get("data", {}):
                        output.data[mime] = self._scrub(output.data[mime], hidden)
        return cell, resources

    @staticmethod
    def _scrub(text, hidden: List[str]) -> str:
        if isinstance(text, list):
            text = "".join(text)
        kept = [ln for ln in text.split("\n") if not any(h in _ANSI.sub("", ln) for h in hidden)]
        return "\n".join(kept)
