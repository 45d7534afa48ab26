"""Benchmarks for aml-gan (not part of the test run).

Each ``bench/<name>.py`` module with a ``main(argv=None)`` function is one benchmark:
run one with ``python -m bench.<name> [options]`` or all of them, with their default
options, with ``python -m bench`` (see ``bench/__main__.py``). Tables go to stdout
and, with ``--save``, to ``bench/results/`` (git-ignored).
"""
