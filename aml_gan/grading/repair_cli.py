"""``python -m aml_gan.grading repair <assignment> <notebook.ipynb>``: repair one file on disk.

For an instructor who grades with plain nbgrader: the disk side of ``repair.py`` (find the
release through the course's nbgrader configuration, read, write, say what was done).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .repair import repair_submission


def repair_file(args) -> int:
    """Run the ``repair`` subcommand (argparse namespace: assignment, notebook, output, in_place,
    force, course); returns the exit status: 0 repaired or nothing to repair, 2 an error."""
    try:
        source, release = _paths(args)
        repaired = repair_submission({source.name: source.read_bytes()}, release, args.assignment)
        refused = [e.text for e in repaired.events if e.kind in ("not_a_notebook", "not_this_notebook")]
        if refused:
            raise _Stop(refused[0].replace("nothing, ", "", 1).replace(": left as it is", "") +
                        "; nothing written: hand it back to the student, or let nbgrader report it as it is")
        name = next((n for n in release if n in repaired.files), None)
        if name is None:
            raise _Stop(f"{source} is none of the released notebooks of {args.assignment} "
                        f"({', '.join(sorted(release))}): rename it to one of them")
        target = _target(args, source, name)
    except _Stop as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not repaired.events:
        print(f"Nothing to repair: {source} is ready for nbgrader.")
        return 0
    if args.in_place:
        backup = source.with_name(source.name + ".orig")
        shutil.copy2(source, backup)
        print(f"The original is kept as {backup}.")
    target.write_bytes(repaired.files[name])
    print(f"Repaired {source} -> {target}:")
    for line in repaired.repairs:
        print(f"  - {line}")
    return 0


class _Stop(Exception):
    pass


def _paths(args):
    from .classroom import Course, GradingError

    source = Path(args.notebook)
    if not source.is_file():
        raise _Stop(f"no file {source}")
    try:
        course = Course.load(args.course)
    except GradingError as err:
        raise _Stop(str(err)) from None
    folder = course.folder("release", ".", args.assignment)
    release = {p.name: p.read_bytes() for p in sorted(folder.glob("*.ipynb"))}
    if not release:
        raise _Stop(f"unknown assignment {args.assignment!r}: no released notebook in {folder}; release it first "
                    f"(nbgrader generate_assignment {args.assignment}, or make release)")
    return source, release


def _target(args, source: Path, name: str) -> Path:
    """Where the repaired notebook goes: -o, the input (--in-place), or the release's name beside the input."""
    if args.in_place:
        return source
    target = Path(args.output) if args.output is not None else source.with_name(name)
    if args.output is None and target == source:
        target = source.with_name(source.stem + ".repaired.ipynb")
    if target.exists() and target != source and not args.force:
        raise _Stop(f"{target} exists: pass --force to overwrite it, or -o to write elsewhere")
    if target.resolve() == source.resolve() and not args.in_place:
        raise _Stop(f"the output would overwrite the input {source}: pass --in-place (the original is kept as .orig)")
    return target
