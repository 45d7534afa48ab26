"""What every benchmark does at the end: print its table, and save it with --save."""
from __future__ import annotations

from pathlib import Path


def publish(text: str, results: Path, save: bool) -> str:
    """Print ``text``; with ``save``, also write it to ``results`` (under bench/results/)."""
    print("\n" + text, flush=True)
    if save:
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(text + "\n")
        print(f"\nwritten to {results}")
    return text
