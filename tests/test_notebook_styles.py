"""Every correct style the checks accept must also run the rest of its notebook (issue 26).

Notebook 05 builds its networks from the student's blocks and trains them with the student's
step, so a style that passes its check but breaks a later cell (a block written as its own
``nn.Module`` class that a cell indexes like an ``nn.Sequential``, noise drawn as
``(B, nz, 1, 1)``, an old-style ``spectral_norm`` that ``copy.deepcopy`` refuses) would give
full marks to a notebook that does not work. One kernel runs the notebook's setup once (fast
mode, as nbgrader runs it); then, for each batch of styles (the k-th correct style of every
answer cell of the corpus), it hands the styles in and runs every later cell, test cells and
the training included, and asserts that none fails.
"""
from __future__ import annotations

import copy

import pytest

from corpus.runner import LiveNotebook, load_corpus, nbgrader_meta, output_text

NOTEBOOK = "05_dcgan_pets"


def _batches(assignment: str):
    """One dict {answer grade_id: source} per run: the k-th correct style of each answer cell (cycled)."""
    corpus = load_corpus()[assignment]
    pools = {a: [s.cells[a] for s in corpus.submissions if s.correct and set(s.cells) == {a}] for a in corpus.exercises}
    pools = {a: p for a, p in pools.items() if p}
    runs = max(len(p) for p in pools.values())
    return [{a: p[k % len(p)] for a, p in pools.items()} for k in range(runs)]


class _Setup(LiveNotebook):
    """A LiveNotebook that runs only the cells before the first answer cell when entered."""

    def __enter__(self):
        import os
        import sys
        from pathlib import Path

        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env.pop("AML_GAN_FAST", None)
        env["NBGRADER_EXECUTION"] = "autograde"
        self._kernel = self.client.setup_kernel(env=env, cwd=str(self.workdir))
        self._kernel.__enter__()
        self.first_answer = min(i for i, c in enumerate(self.nb.cells) if nbgrader_meta(c).get("solution"))
        for i, cell in enumerate(self.nb.cells[: self.first_answer]):
            if cell.cell_type == "code":
                self._run_cell(i, cell.source)
        return self

    def _run_cell(self, i: int, source: str) -> None:
        cell = copy.deepcopy(self.nb.cells[i])
        cell.source = source
        self.client.execute_cell(cell, i, store_history=False)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{self.assignment} cell {i} failed: {output_text(cell)[-1200:]}"

    def run_rest(self, answers: dict) -> None:
        """Hand in ``answers``, then run every code cell from the first answer cell on."""
        self._run_cell(len(self.nb.cells) - 1, "globals().pop('CHECKPOINT_DIR', None)")  # a fresh run, no resume
        for i in range(self.first_answer, len(self.nb.cells)):
            cell = self.nb.cells[i]
            if cell.cell_type != "code":
                continue
            gid = nbgrader_meta(cell).get("grade_id")
            self._run_cell(i, answers.get(gid, self.sources.get(gid, cell.source)))


@pytest.mark.corpus
def test_every_accepted_style_runs_notebook_05():
    batches = _batches(NOTEBOOK)
    assert len(batches) >= 3
    failures = []
    with _Setup(NOTEBOOK) as nb:
        for k, answers in enumerate(batches):
            try:
                nb.run_rest(answers)
            except AssertionError as err:
                names = [s.name for s in load_corpus()[NOTEBOOK].submissions
                         if s.correct and any(s.cells.get(a) == src for a, src in answers.items())]
                failures.append(f"run {k} ({', '.join(names)}): {err}")
    assert not failures, "\n\n".join(failures)
