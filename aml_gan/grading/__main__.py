"""Command line: ``python -m aml_gan.grading grade <assignment> [options]`` (what ``make grade`` runs),
``python -m aml_gan.grading report [assignment ...]`` (``make report``) and
``python -m aml_gan.grading repair <assignment> <notebook.ipynb>`` (one file, for plain nbgrader)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aml_gan.grading", description="Instructor grading tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_grade(commands)
    _add_report(commands)
    _add_repair(commands)
    return parser


def _add_grade(commands) -> None:
    """``grade <assignment>``: autograde the submissions not graded yet."""
    grade = commands.add_parser(
        "grade", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="autograde every submission of an assignment not graded yet, in parallel and sandboxed",
        description=(
            "Autograde every submission under submitted/<student>/<assignment>/ that is not graded yet,\n"
            "with plain nbgrader, one working copy and temporary gradebook per submission, in parallel\n"
            "worker processes (or on a Dask cluster), each student's kernel sandboxed with bubblewrap\n"
            "where it is installed. Grades are merged into the course gradebook one student at a time;\n"
            "interrupt it at any point and run it again to grade what is missing."),
        epilog="Run from the course folder (the one holding nbgrader_config.py), e.g. `make grade A=02_losses`.")
    grade.add_argument("assignment", help="assignment id, e.g. 02_losses")
    grade.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core)")
    grade.add_argument("--timeout", type=float, default=900.0,
                       help="wall-clock limit per submission in seconds (default 900); a cell is stopped "
                            "at the course's per-cell limit or a third of this, whichever is shorter")
    grade.add_argument("--cell-timeout", type=int, default=None,
                       help="per-cell limit in seconds (default: the course's, nbgrader_config.py)")
    grade.add_argument("--memory", default="4G",
                       help="memory for each student's kernel, e.g. 4G or 512M (default 4G; 0: no limit)")
    grade.add_argument("--processes", type=int, default=None,
                       help="processes and threads for each student's kernel (default 512)")
    grade.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs .[grading])")
    grade.add_argument("--force", action="store_true", help="regrade submissions graded before")
    grade.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto",
                       help="auto: bubblewrap where it works, else warn and run unsandboxed; on: refuse to "
                            "run without it; off: never (default auto)")
    grade.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: here)")


def _add_report(commands) -> None:
    """``report [assignment ...]``: the class report of graded assignments."""
    report = commands.add_parser(
        "report", help="the class report of graded assignments: scores, mistakes, ungraded, similar work",
        description=("Write reports/<assignment>.html (one self-contained page: score histogram, per test cell the\n"
                     "mean, full marks, untouched and raised shares, the checks' problem codes across the class\n"
                     "with the students in each group, ungraded and flagged submissions, near-identical answer\n"
                     "cells) and reports/<assignment>.json (the same numbers); print a headline. It never\n"
                     "changes a score."),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run from the course folder after `make grade`, e.g. `make report A=02_losses`.")
    report.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignment ids (default: every assignment with a graded submission)")
    report.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: here)")
    report.add_argument("--out", type=Path, default=None, help="where to write (default: <course>/reports)")
    report.add_argument("--threshold", type=float, default=None,
                        help="similar work: the share of both cells that must be common code (default 0.8)")


def _add_repair(commands) -> None:
    """``repair <assignment> <notebook>``: one submitted notebook made gradable, for plain nbgrader."""
    repair = commands.add_parser(
        "repair", help="repair one submitted notebook against its release, for plain nbgrader",
        description="Repair one submitted notebook against the assignment's release (renamed file, duplicated, "
                    "deleted, retyped or re-labelled cells, lost metadata, huge outputs) and write a notebook "
                    "nbgrader accepts. The input is never changed unless --in-place (then it is kept as *.orig).",
        epilog="e.g. python -m aml_gan.grading repair 02_losses \"submitted/ana/02_losses/Copy of 02_losses.ipynb\"")
    repair.add_argument("assignment", help="assignment id, e.g. 02_losses (released in the course)")
    repair.add_argument("notebook", type=Path, help="the student's notebook")
    repair.add_argument("-o", "--output", type=Path, default=None,
                        help="where to write the repaired notebook (default: the release's name next to the input, "
                             "or <name>.repaired.ipynb when the input already has that name)")
    repair.add_argument("--in-place", action="store_true", help="replace the input; the original is kept as <name>.orig")
    repair.add_argument("--force", action="store_true", help="overwrite an existing output file")
    repair.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: here)")


def _report(args) -> int:
    from .class_report import ReportError, graded_assignments, write_report

    try:
        names = args.assignments or graded_assignments(args.course)
        if not names:
            raise ReportError("no assignment in the gradebook has a graded submission: run make grade A=<assignment> first")
        kwargs = {} if args.threshold is None else {"threshold": args.threshold}
        for name in names:
            _, said = write_report(args.course, name, args.out, **kwargs)
            print(said, flush=True)
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "repair":
        from .repair_cli import repair_file

        return repair_file(args)
    from .classroom import GradingError, grade_class
    from .sandbox import parse_size

    try:
        if args.jobs is not None and args.jobs < 1:
            raise GradingError("--jobs (JOBS) must be 1 or more")
        if args.timeout <= 0:
            raise GradingError("--timeout (TIMEOUT) must be a positive number of seconds")
        if args.processes is not None and args.processes < 16:
            raise GradingError("--processes (PROCESSES) must be 16 or more: a Python kernel alone runs about ten threads")
        memory = parse_size(args.memory)
        summary = grade_class(args.course, args.assignment, jobs=args.jobs, timeout=args.timeout,
                              cell_timeout=args.cell_timeout, memory=memory or None, scheduler=args.scheduler,
                              processes=args.processes,
                              force=args.force, sandbox_mode=args.sandbox, say=lambda s: print(s, flush=True))
    except (GradingError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print()
    if summary.rows:
        print(summary.table())
        print()
    graded = len(summary.rows) - summary.failed
    print(f"{graded} graded, {summary.failed} could not be graded, {summary.skipped} graded before; "
          f"{summary.seconds:.0f} s.")
    if summary.unsandboxed:
        print(f"!!! {summary.unsandboxed} submission(s) ran UNSANDBOXED (no working bubblewrap).")
    if summary.interrupted:
        print("Interrupted: what finished is merged; run the same command again to grade the rest.")
    print(summary.where)
    return 130 if summary.interrupted else (1 if summary.failed else 0)


if __name__ == "__main__":
    sys.exit(main())
