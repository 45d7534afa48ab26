"""Run every benchmark in bench/: ``python -m bench [name ...]``.

A benchmark is any module ``bench/<name>.py`` (not starting with ``_``) that defines
``main(argv=None)``. Each runs with its default options (``main([])``), one after the
other; a failing benchmark is reported and the others still run. Name some modules
to run only those; ``--list`` lists them. For a benchmark's own options, run it
directly: ``python -m bench.<name> --help``.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def discover() -> list:
    """Names of the modules in bench/ that define main()."""
    here = Path(__file__).resolve().parent
    names = []
    for info in pkgutil.iter_modules([str(here)]):
        if info.name.startswith("_") or info.ispkg:
            continue
        names.append(info.name)
    return sorted(names)


def _call_main(main) -> None:
    try:
        params = inspect.signature(main).parameters
    except (TypeError, ValueError):
        params = {}
    if params:
        main([])  # default options, not this command line's
    else:
        main()


def run(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [n for n in args.names if n not in available]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
    failed, ran = [], []
    for name in args.names or available:
        module = importlib.import_module(f"bench.{name}")
        main = getattr(module, "main", None)
        if not callable(main):
            continue
        print(f"\n===== bench.{name} =====", flush=True)
        tic = time.perf_counter()
        try:
            _call_main(main)
        except SystemExit as exc:  # argparse or an explicit exit inside a benchmark
            if exc.code not in (0, None):
                failed.append(name)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        ran.append(name)
        print(f"===== bench.{name}: {time.perf_counter() - tic:.1f} s =====", flush=True)
    print(f"\nran {len(ran)} benchmark(s)" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())
