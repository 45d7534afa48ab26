"""The tamper scan of ``make grade``: every pattern the issues name is flagged, the release's own
code is not, and the scan reads code cells only."""
from __future__ import annotations

import pytest

from aml_gan.grading import tamper


def _nb(*sources, kind="code"):
    return {"cells": [{"cell_type": kind, "source": s} for s in sources]}


@pytest.mark.parametrize("name, code", [
    ("symlink", 'os.symlink(target, "02_losses.ipynb.l")'),
    ("os.replace", 'os.replace("02_losses.ipynb.l", "02_losses.ipynb")'),
    ("socket", "import socket\ns = socket.socket(socket.AF_UNIX)"),
    ("fork", "import os\nwhile True:\n    os.fork()"),
    ("mmap", "import mmap\nm = mmap.mmap(-1, 2**30)"),
    ("ctypes", "import ctypes\nctypes.CDLL(None)"),
    ("__closure__", "ref = check.__closure__[0].cell_contents"),
    ("vars(", 'vars(module)["_fail"] = lambda text: None'),
    ("__dict__", 'report.__dict__["problems"] = []'),
    ("exec(", 'exec(code, {"__name__": "aml_gan.x"})'),
    ("__name__ =", 'g = {"__name__": "aml_gan.x"}'),
    ("__name__ =", '__name__ = "aml_gan.fake"'),
    ("import_module", 'importlib.import_module("aml_gan.losses")'),
    ("setattr", "type.__setattr__(Report, 'passed', True)"),
    ("gc.", "import gc\ngc.get_objects()"),
    ("/proc", 'open("/etc/shadow").read()'),
    ("os.environ", 'print(os.environ["SECRET_TOKEN"])'),
])
def test_each_pattern_is_flagged(name, code):
    flags = tamper.flags(tamper.count_patterns(_nb(code)), tamper.count_patterns(_nb("pass")))
    assert any(f.startswith(f"uses {name} (") for f in flags), flags


def test_what_the_release_has_and_prose_are_not_flagged():
    release = _nb('import sys\nif "google.colab" in sys.modules:\n    pass', "from aml_gan.checks import check_x")
    assert tamper.flags(tamper.count_patterns(release), tamper.count_patterns(release)) == []
    assert tamper.flags(tamper.count_patterns(_nb("os.fork() and exec(x)", kind="markdown")), {}) == []
    assert tamper.flags(tamper.count_patterns(_nb('if __name__ == "__main__":\n    main()')), {}) == []
