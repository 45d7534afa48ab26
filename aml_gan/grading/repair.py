"""Repair a submission against its release, so that nbgrader can grade what the student wrote.

``repair_submission(files, release, assignment)`` is a pure function on data (no disk, no
nbgrader): it runs in ``make grade`` before a submission becomes a job, on a Dask worker,
and behind ``python -m aml_gan.grading repair`` for one file. It only needs nbformat.

What students' editors do to a notebook, and what the repair does about it:

- the notebook under another name (Colab's ``Copy of X.ipynb``, a browser's ``X (1).ipynb``,
  JupyterLab's ``X-Copy1.ipynb``, or the only notebook in the folder): graded as ``X.ipynb``;
- every graded cell of the release (answer, test, locked or task cell, nbgrader's
  ``metadata.nbgrader``) is found in the submission: by ``grade_id``, then by nbformat cell
  id, then by the source of a locked cell, then by how much an answer looks like the
  release's stub, then by its place between two cells of the release; the notebook is rebuilt:
  answer cells get the release's metadata and type and keep the student's source exactly;
  test and other locked cells come from the release; duplicates are reduced to the copy
  holding the student's work (a different second answer is kept as an ungraded cell, so no
  answer text is lost); a deleted cell is put back (a deleted answer as the release stub,
  which scores what the stub scores); graded cells out of the release's order go back
  in order; cells the student added stay where they are;
- stored outputs over ``OUTPUT_CAP`` bytes in a cell are dropped (nbgrader clears outputs
  before it runs the notebook; they are never graded);
- old formats (nbformat 3, 4.0-4.4), missing or duplicated cell ids: written as nbformat 4.5.

Nothing is repaired that is not broken: a notebook with nothing to repair is passed on
byte for byte. A repair never raises a score the answers do not earn: answer sources are
never changed, test cells always come from the release.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

__all__ = ["OUTPUT_CAP", "Event", "Repaired", "RepairError", "repair_submission", "repair_notebook",
           "find_notebook", "graded_cells"]

OUTPUT_CAP = 1 * 2**20  # bytes of stored outputs per cell (JSON); more is dropped
MIN_FOUND = 0.3         # below this share of the release's cells found, the file is some other notebook
_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_COPY = re.compile(r"^(copy of |copia de |kopie von |copie de )+", re.I)
_SUFFIX = re.compile(r"(\s*\(\d+\)|-copy\d*|\s+copy\d*|_copy\d*|\s*-\s*copy)+$", re.I)
_DEF = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)")
_PLACEHOLDERS = ("# YOUR CODE HERE", "raise NotImplementedError()", "YOUR ANSWER HERE")


class RepairError(ValueError):
    """The input cannot be repaired at all (the message names the fix)."""


@dataclass
class Event:
    """One repair: ``kind`` (machine-readable), ``cell`` (the grade_id, or ""), ``text`` (for people)."""

    kind: str
    cell: str
    text: str


@dataclass
class Repaired:
    """A submission folder ready for nbgrader: ``files`` {relative path: bytes}, what was repaired."""

    files: Dict[str, bytes]
    events: List[Event] = field(default_factory=list)
    log: str = ""

    @property
    def repairs(self) -> List[str]:
        """Short lines for the instructor's summary, one per repair."""
        return [e.text for e in self.events]


# --------------------------------------------------------------------------- the folder
def repair_submission(files: Dict[str, bytes], release: Dict[str, bytes], assignment: str) -> Repaired:
    """Repair the submitted folder ``files`` against the released notebooks ``release``.

    files: {relative path: bytes}, the folder submitted/<student>/<assignment>/.
    release: {file name: bytes}, the assignment's released notebooks (e.g. {"02_losses.ipynb": ...}).
    Returns the folder to grade (each notebook under its release name) and the repairs made.
    """
    notebooks = {name: data for name, data in release.items() if name.endswith(".ipynb")}
    if not notebooks:
        raise RepairError(f"no released notebook for {assignment!r}: release it first "
                          f"(nbgrader generate_assignment {assignment}, or make release)")
    out = dict(files)
    events: List[Event] = []
    log = [f"Repair of a submission of {assignment} against its release ({', '.join(sorted(notebooks))})."]
    taken: List[str] = []
    for name, released in sorted(notebooks.items()):
        found, how = find_notebook(out, name, single=len(notebooks) == 1, exclude=taken)
        if found is None:
            log.append(f"{name}: not in the submission (files: {', '.join(sorted(files)) or 'none'}); "
                       "nothing to repair (nbgrader scores it 0)")
            continue
        taken.append(name)
        if found != name:
            data = out.pop(found)
            if name in out:  # a file of that name that is not the notebook: keep it aside, never lose it
                out[found] = out.pop(name)
            out[name] = data
            events.append(Event("renamed", "", f"notebook found as {found!r}"
                                + (f" ({how}; the others are not graded)" if how.startswith("the newest") else "")))
            log.append(f"{name}: found as {found!r} ({how}); graded as {name!r}")
        data, nb_events, nb_log = repair_notebook(out[name], released, name)
        out[name] = data
        events += nb_events
        log += [f"{name}: {line}" for line in nb_log]
    log += [f"repaired: {e.text}" for e in events] or ["Nothing to repair."]
    return Repaired(files=out, events=events, log="\n".join(log) + "\n")


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    stem = base[:-len(".ipynb")] if base.lower().endswith(".ipynb") else base
    return _SUFFIX.sub("", _COPY.sub("", stem.strip())).strip().lower()


def find_notebook(files: Dict[str, bytes], name: str, single: bool = True,
                  exclude: Optional[List[str]] = None) -> Tuple[Optional[str], str]:
    """The submitted file that is the released notebook ``name``, and how it was found.

    Exact name first; then a renamed copy (``Copy of X.ipynb``, ``X (1).ipynb``, ``X-Copy1.ipynb``,
    any letter case, in a subfolder); then, when the release has one notebook, the only notebook
    in the folder. Checkpoints (``.ipynb_checkpoints``) never count.
    """
    if name in files:
        return name, "its own name"
    exclude = exclude or []
    candidates = sorted(p for p in files if p.lower().endswith(".ipynb") and ".ipynb_checkpoints" not in p
                        and p not in exclude)
    renamed = [p for p in candidates if _stem(p) == _stem(name)]
    if renamed:  # the shallowest, then the one a person would call the newest ("(2)" after "(1)")
        depth = min(p.count("/") for p in renamed)
        best = max((p for p in renamed if p.count("/") == depth), key=lambda p: (_copy_number(p), p))
        return best, "a renamed copy" if len(renamed) == 1 else f"the newest of {len(renamed)} renamed copies"
    if single and len(candidates) == 1:
        return candidates[0], "the only notebook in the folder"
    return None, ""


def _copy_number(name: str) -> int:
    """A browser's or JupyterLab's copy number: 2 for ``X (2).ipynb``, 1 for ``X-Copy1.ipynb``, else 0."""
    base = name.rsplit("/", 1)[-1]
    match = _SUFFIX.search(base[:-len(".ipynb")] if base.lower().endswith(".ipynb") else base)
    numbers = re.findall(r"\d+", match.group(0)) if match else []
    return max(map(int, numbers), default=0)


# --------------------------------------------------------------------------- one notebook
def graded_cells(nb) -> List[int]:
    """Indices of the cells nbgrader tracks: answers, tests, locked and task cells with a grade_id."""
    out = []
    for i, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if meta.get("grade_id") and (meta.get("solution") or meta.get("grade") or meta.get("locked") or meta.get("task")):
            out.append(i)
    return out


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _role(cell) -> str:
    meta = _meta(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "task" if meta.get("task") else "locked"


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def repair_notebook(data: bytes, released: bytes, name: str = "notebook.ipynb") -> Tuple[bytes, List[Event], List[str]]:
    """Repair one submitted notebook (bytes) against its release (bytes); see the module docstring.

    Returns the bytes to grade, the repairs, and log lines. A file that is not a notebook is
    returned unchanged with an event saying so (nbgrader then reports it).
    """
    import nbformat

    release = _read(released)
    if release is None:
        raise RepairError(f"the released {name} is not a readable notebook: release it again "
                          "(nbgrader generate_assignment, or make release)")
    raw = _raw(data)
    events: List[Event] = []
    _cap_outputs(raw, events)  # before nbformat reads it: a 500 MB output is never copied again
    nb = _read(json.dumps(raw).encode("utf-8")) if raw else None
    if nb is None:
        return data, [Event("not_a_notebook", "", f"nothing, {name} is not a notebook "
                            "(not nbformat JSON): left as it is")], ["not a notebook: left as it is for nbgrader to report"]
    log: List[str] = [f"{len(nb.cells)} cells submitted, {len(release.cells)} released "
                      f"(nbformat {raw.get('nbformat')}.{raw.get('nbformat_minor')})"]
    rebuild = _Rebuild(nb, release, events, log)
    rebuild.run()
    if rebuild.found() < MIN_FOUND:
        log.append(f"only {rebuild.found():.0%} of the release's cells found: not this assignment's notebook?")
        return data, [Event("not_this_notebook", "", f"nothing, {name} does not look like the "
                            f"released notebook ({rebuild.found():.0%} of its cells found): left as it is")], log
    rebuilt = rebuild.build()
    _fix_ids(rebuilt, raw, events, log)
    if not events:
        return data, [], log
    if (raw.get("nbformat"), raw.get("nbformat_minor")) != (4, 5):
        log.append(f"written as nbformat 4.5 (was {raw.get('nbformat')}.{raw.get('nbformat_minor')})")
    rebuilt.nbformat, rebuilt.nbformat_minor = 4, 5
    nbformat.validate(rebuilt)
    return nbformat.writes(rebuilt).encode("utf-8"), events, log


def _read(data: bytes):
    import warnings

    import nbformat

    try:
        text = data.decode("utf-8-sig")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's notes on ids it corrects; reported by _fix_ids
            nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            return None
        return nb
    except Exception:  # noqa: BLE001 - any reason the file is not a notebook means the same here
        return None


def _raw(data: bytes) -> dict:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
        return raw if isinstance(raw, dict) else {}
    except ValueError:
        return {}


class _Rebuild:
    """Match the release's cells to the submission's and build the notebook to grade."""

    def __init__(self, nb, release, events: List[Event], log: List[str]):
        self.nb, self.release, self.events, self.log = nb, release, events, log
        self.special = graded_cells(release)                   # release indices of graded cells
        self.sub = nb.cells
        self.match: Dict[int, List[int]] = {}                  # release index -> submission indices
        self.how: Dict[int, str] = {}
        self.owner: Dict[int, int] = {}                        # submission index -> release index
        self.anchor: Dict[int, int] = {}                       # plain release index -> submission index
        self.gone: List[str] = []                              # graded cells found without their metadata

    def say(self, kind: str, cell: str, text: str) -> None:
        self.events.append(Event(kind, cell, text))

    # ------------------------------------------------------------------ matching
    def run(self):
        self._match_by(lambda r, j: _meta(self.sub[j]).get("grade_id") == _meta(self.release.cells[r])["grade_id"],
                       "grade_id")
        self._match_by(lambda r, j: bool(self.sub[j].get("id")) and self.sub[j].get("id") == self.release.cells[r].get("id"),
                       "cell id")
        self._match_by(lambda r, j: _role(self.release.cells[r]) != "answer"
                       and _norm(self.sub[j].source) == _norm(self.release.cells[r].source), "source")
        self._anchor_plain_cells()
        self._match_answers_by_stub()
        self._match_by_place()
        self._match_twins()
        for r in self.special:
            if r in self.match and self.how[r] != "grade_id":
                self.log.append(f"{self._gid(r)}: found by its {self.how[r]}")

    def _gid(self, r: int) -> str:
        return _meta(self.release.cells[r])["grade_id"]

    def _free(self, j: int) -> bool:
        return j not in self.owner

    def _take(self, r: int, js: List[int], how: str) -> None:
        self.match[r], self.how[r] = js, how
        for j in js:
            self.owner[j] = r

    def _match_by(self, same, how: str) -> None:
        for r in self.special:
            if r in self.match:
                continue
            js = [j for j in range(len(self.sub)) if self._free(j) and same(r, j)]
            if js:
                self._take(r, js, how)

    def _anchor_plain_cells(self) -> None:
        """Plain release cells found in the submission (by id, else by identical source): places."""
        used = set(self.owner)
        by_id = {c.get("id"): j for j, c in enumerate(self.sub) if c.get("id")}
        special = set(self.special)
        for r, cell in enumerate(self.release.cells):
            if r in special:
                continue
            j = by_id.get(cell.get("id")) if cell.get("id") else None
            if j is None or j in used or not _alike(self.sub[j].source, cell.source):
                j = next((k for k, c in enumerate(self.sub) if k not in used and c.source.strip()
                          and _norm(c.source) == _norm(cell.source)), None)
            if j is not None:
                self.anchor[r] = j
                used.add(j)

    def _match_answers_by_stub(self) -> None:
        """Answers whose metadata and id are gone: the cells most like their release stubs, best pairs first."""
        anchored = set(self.anchor.values())
        pairs = []
        for r in self.special:
            if r in self.match or _role(self.release.cells[r]) != "answer":
                continue
            stub = self.release.cells[r].source
            pairs += [(_likeness(stub, c.source), r, j) for j, c in enumerate(self.sub)
                      if self._free(j) and j not in anchored and c.source.strip()]
        for score, r, j in sorted(pairs, reverse=True):
            if score >= 0.5 and r not in self.match and self._free(j):
                self._take(r, [j], "likeness to the release stub")

    def _match_twins(self) -> None:
        """Identical copies of a matched graded cell that lost their metadata: duplicates of it."""
        anchored = set(self.anchor.values())
        for r, js in list(self.match.items()):
            texts = {_norm(self.sub[j].source) for j in js} - {""}
            twins = [k for k, c in enumerate(self.sub) if self._free(k) and k not in anchored and _norm(c.source) in texts]
            if twins:
                self._take(r, sorted(js + twins), self.how[r])

    def _match_by_place(self) -> None:
        """A graded cell still unmatched: the one free cell between its two release neighbours."""
        where = {**self.anchor, **{r: js[-1] for r, js in self.match.items()}}
        anchored = set(self.anchor.values())
        for r in self.special:
            if r in self.match or (r - 1) not in where or (r + 1) not in where:
                continue
            between = [j for j in range(where[r - 1] + 1, where[r + 1])
                       if self._free(j) and j not in anchored and self.sub[j].source.strip()]
            if len(between) == 1:
                self._take(r, between, "place between its release neighbours")
                where[r] = between[0]

    # ------------------------------------------------------------------ rebuilding
    def found(self) -> float:
        """The share of the release's cells found in the submission (0 to 1)."""
        return (len(self.match) + len(self.anchor)) / max(1, len(self.release.cells))

    def build(self):
        import nbformat

        keep: Dict[int, int] = {r: self._choose(r) for r in self.match}
        cells: List[Tuple[Optional[int], Optional[int], object]] = []   # (release index, submission index, cell)
        for j, cell in enumerate(self.sub):
            r = self.owner.get(j)
            if r is None:
                cells.append((None, j, self._plain(j, cell)))
            elif keep[r] == j:
                cells.append((r, j, self._graded(r, cell)))
            else:
                extra = self._duplicate(r, j, keep[r])
                if extra is not None:
                    cells.append((None, j, extra))
        if self.gone:
            self.say("metadata", ", ".join(self.gone), f"nbgrader metadata restored on {len(self.gone)} graded "
                                                       f"cell{'s' * (len(self.gone) != 1)} that had lost it "
                                                       f"({', '.join(self.gone)})")
        cells = self._reorder(cells)
        cells = self._restore_missing(cells)
        out = copy.deepcopy(self.nb)
        out.cells = [cell for _, _, cell in cells]
        return nbformat.from_dict(out)

    def _choose(self, r: int) -> int:
        """Of the copies of one graded cell, the one to grade: the last holding the student's work."""
        js, release_cell = self.match[r], self.release.cells[r]
        if _role(release_cell) == "answer":
            work = [j for j in js if self.sub[j].source.strip() and _norm(self.sub[j].source) != _norm(release_cell.source)]
            return work[-1] if work else js[0]
        same = [j for j in js if _norm(self.sub[j].source) == _norm(release_cell.source)]
        return (same or js)[0]

    def _graded(self, r: int, cell):
        release_cell = self.release.cells[r]
        gid, what = self._gid(r), _ROLE_WORDS[_role(release_cell)]
        new = copy.deepcopy(release_cell)
        if _ID.match(str(cell.get("id", ""))):
            new["id"] = cell["id"]
        if _role(release_cell) != "answer":  # tests, locked and task cells: the release's, whatever was done to them
            if _norm(cell.source) != _norm(release_cell.source):
                self.say("restored", gid, f"edited {what} {gid} restored from the release")
            elif cell.cell_type != release_cell.cell_type:
                self.say("retyped", gid, f"{what} {gid} turned back into a {release_cell.cell_type} cell")
            else:
                self._note_metadata(gid, what, cell, release_cell)
            return new
        new.source = cell.source                                # the student's text, exactly
        new.metadata = {**{k: v for k, v in cell.get("metadata", {}).items()
                           if k not in ("nbgrader", "editable", "deletable")},
                        **copy.deepcopy(release_cell.metadata)}
        if new.cell_type == "code":
            new.outputs = copy.deepcopy(cell.get("outputs", [])) if cell.cell_type == "code" else []
            new.execution_count = cell.get("execution_count") if cell.cell_type == "code" else None
        elif "attachments" in cell:
            new["attachments"] = copy.deepcopy(cell["attachments"])
        if cell.cell_type != release_cell.cell_type:
            self.say("retyped", gid, f"{what} {gid} was a {cell.cell_type} cell: turned back into "
                                     f"{release_cell.cell_type}")
        else:
            self._note_metadata(gid, what, cell, release_cell)
        return new

    def _note_metadata(self, gid: str, what: str, cell, release_cell) -> None:
        """Say what happened to a graded cell's nbgrader metadata (the release's is put back)."""
        if not _meta(cell):
            self.gone.append(gid)  # reported once for all such cells
        elif self._metadata_changed(cell, release_cell):
            self.say("metadata", gid, f"nbgrader metadata of {what} {gid} restored "
                                      f"({self._meta_change(cell, release_cell)})")

    @staticmethod
    def _metadata_changed(cell, release_cell) -> bool:
        mine, theirs = _meta(cell), _meta(release_cell)
        return any(mine.get(k) != theirs.get(k) for k in _KEYS) or cell.cell_type != release_cell.cell_type

    @staticmethod
    def _meta_change(cell, release_cell) -> str:
        mine, theirs = _meta(cell), _meta(release_cell)
        if mine.get("grade") and not theirs.get("grade"):
            return f"it was marked as a graded test cell with {mine.get('points', 0):g} points"
        if mine.get("grade_id") != theirs.get("grade_id"):
            return f"its grade_id was {mine.get('grade_id')!r}"
        return "changed: " + ", ".join(k for k in _KEYS if mine.get(k) != theirs.get(k))

    def _duplicate(self, r: int, j: int, kept: int):
        """A second copy of a graded cell: dropped when it adds nothing, else kept ungraded."""
        gid, cell, release_cell = self._gid(r), self.sub[j], self.release.cells[r]
        if _norm(cell.source) in (_norm(release_cell.source), _norm(self.sub[kept].source), ""):
            self.say("duplicate", gid, f"duplicate {gid} removed")
            return None
        self.say("duplicate", gid, f"a second, different copy of {_ROLE_WORDS[_role(release_cell)]} {gid} "
                                   "kept as an ungraded cell")
        return _ungraded(cell, new_id=True)

    def _plain(self, j: int, cell):
        meta = _meta(cell)
        if "nbgrader" in cell.get("metadata", {}):
            if meta.get("grade_id"):
                self.say("unknown_cell", meta["grade_id"],
                         f"cell {meta['grade_id']!r} is no cell of the release: kept as an ungraded cell")
            return _ungraded(cell)
        if j not in self.anchor.values():
            self.log.append(f"cell {j + 1} is the student's own: kept in place")
        return cell

    def _reorder(self, cells):
        """Graded cells out of the release's order go back in order, in the places graded cells hold."""
        slots = [i for i, (r, _, _) in enumerate(cells) if r is not None]
        order = [cells[i][0] for i in slots]
        if order == sorted(order):
            return cells
        moved = [self._gid(r) for r, want in zip(order, sorted(order)) if r != want]
        ordered = sorted((cells[i] for i in slots), key=lambda item: item[0])
        cells = list(cells)
        for i, item in zip(slots, ordered):
            cells[i] = item
        self.say("reordered", ", ".join(moved), f"graded cells put back in the release's order ({', '.join(moved)})")
        return cells

    def _restore_missing(self, cells):
        """Deleted graded cells: put back from the release, after the release cell before them."""
        release_at = {j: r for r, j in self.anchor.items()}
        position = {}
        for i, (r, j, _) in enumerate(cells):
            if r is not None:
                position[r] = i
            elif j in release_at:
                position[release_at[j]] = i
        cells = list(cells)
        for r in self.special:
            if r in self.match:
                continue
            release_cell = self.release.cells[r]
            before = [position[k] for k in range(r - 1, -1, -1) if k in position][:1]
            at = before[0] + 1 if before else 0
            cells.insert(at, (r, None, copy.deepcopy(release_cell)))
            position = {k: (p + 1 if p >= at else p) for k, p in position.items()}
            position[r] = at
            gid, role = self._gid(r), _role(release_cell)
            if role == "answer":
                self.say("deleted", gid, f"deleted answer {gid} restored as the release stub")
            else:
                self.say("deleted", gid, f"deleted {_ROLE_WORDS[role]} {gid} restored")
        return cells


_KEYS = ("grade_id", "grade", "solution", "locked", "task", "points")
_ROLE_WORDS = {"answer": "answer", "test": "test", "task": "task", "locked": "locked cell"}


def _ungraded(cell, new_id: bool = False):
    new = copy.deepcopy(cell)
    new.metadata = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("nbgrader", "editable", "deletable")}
    if new_id:
        new.pop("id", None)
    return new


def _alike(a: str, b: str) -> bool:
    """Two versions of one cell (the student may have edited it): equal, or mostly the same text."""
    if _norm(a) == _norm(b):
        return True
    if max(len(a), len(b)) > 20000:
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio() >= 0.6 and \
        difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _likeness(stub: str, source: str) -> float:
    """How much ``source`` looks like a filled-in ``stub``: 0 (nothing alike) to 1."""
    lines = [ln.strip() for ln in stub.splitlines() if ln.strip() and ln.strip() not in _PLACEHOLDERS]
    if not lines:
        return 0.0
    have = {ln.strip() for ln in source.splitlines()}
    names = [_DEF.match(ln) for ln in (lines[0], *(ln.strip() for ln in source.splitlines()))]
    if names[0] and not any(m and m.group(1) == names[0].group(1) for m in names[1:]):
        return 0.0  # the stub defines a function or class this source does not
    kept = sum(ln in have for ln in lines) / len(lines)
    head = 0.6 if lines[0].startswith(("def ", "class ")) and lines[0] in have else 0.0
    ratio = difflib.SequenceMatcher(None, stub, source, autojunk=False).ratio() if len(source) < 20000 else 0.0
    return max(kept, head, ratio)


# --------------------------------------------------------------------------- outputs and ids
def _cap_outputs(raw: dict, events: List[Event]) -> None:
    """Drop the stored outputs of each cell whose outputs exceed OUTPUT_CAP (nbformat 4 or 3, as parsed JSON)."""
    sheets = raw.get("worksheets") if isinstance(raw.get("worksheets"), list) else [raw]
    cells = [c for sheet in sheets if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
             for c in sheet["cells"] if isinstance(c, dict)]
    for index, cell in enumerate(cells):
        size = _size(cell.get("outputs"))
        if size > OUTPUT_CAP:
            cell["outputs"] = []
            if "execution_count" in cell:
                cell["execution_count"] = None
            cell.pop("prompt_number", None)  # nbformat 3
            meta = _meta(cell)
            name = meta.get("grade_id") or f"#{index + 1}"
            events.append(Event("outputs", meta.get("grade_id", ""),
                                f"outputs of cell {name} dropped ({size / 2**20:.0f} MB; outputs are not graded)"))


def _size(obj) -> int:
    """About the bytes ``obj`` takes as JSON (the lengths of its strings), without writing it out."""
    if isinstance(obj, str):
        return len(obj)
    if isinstance(obj, dict):
        return sum(len(k) + _size(v) for k, v in obj.items())
    if isinstance(obj, list):
        return sum(_size(v) for v in obj)
    return 8


def _fix_ids(nb, raw: dict, events: List[Event], log: List[str]) -> None:
    raw_cells = raw.get("cells") if isinstance(raw.get("cells"), list) else []
    raw_ids = [c.get("id") for c in raw_cells if isinstance(c, dict)]
    missing = sum(1 for i in raw_ids if not i)
    duplicated = len([i for i in raw_ids if i]) - len({i for i in raw_ids if i})
    seen = set()
    for cell in nb.cells:
        cid = cell.get("id")
        if not cid or not _ID.match(str(cid)) or cid in seen:
            cid = uuid.uuid4().hex[:8]
            while cid in seen:
                cid = uuid.uuid4().hex[:8]
            cell["id"] = cid
        seen.add(cid)
    if duplicated:
        events.append(Event("ids", "", f"{duplicated} duplicated cell id{'s' * (duplicated != 1)} renamed"))
    if missing and raw.get("nbformat") == 4 and raw.get("nbformat_minor", 0) >= 5:
        events.append(Event("ids", "", f"{missing} missing cell id{'s' * (missing != 1)} added"))
    elif missing:
        log.append(f"cell ids added (nbformat {raw.get('nbformat')}.{raw.get('nbformat_minor')} has none)")
