"""Point the course at another repository: `python tools/set_repo_url.py https://github.com/OWNER/NAME`.

The URL lives in pyproject.toml ([project.urls] Repository). It is copied into
the Colab install line of every notebook's setup cell and into the README's
"Open in Colab" links; this script rewrites every copy, then regenerates
notebooks/ (make release). tests/test_release.py checks that they agree.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not GITHUB.match(argv[0].rstrip("/")):
        print("usage: python tools/set_repo_url.py https://github.com/OWNER/NAME", file=sys.stderr)
        return 2
    new = argv[0].rstrip("/")
    old = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    if old == new:
        print(f"already {new}")
        return 0
    old_slug, new_slug = old.removeprefix("https://github.com/"), new.removeprefix("https://github.com/")
    files = [REPO / "pyproject.toml", REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "environment.yml"]
    files += sorted((REPO / "solutions").glob("*/*.ipynb"))
    for path in files:
        if not path.exists():
            continue
        text = path.read_text()
        updated = text.replace(old, new).replace(f"github/{old_slug}/", f"github/{new_slug}/")
        if updated != text:
            path.write_text(updated)
            print(f"updated {path.relative_to(REPO)}")
    return subprocess.call(["make", "release"], cwd=REPO)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
