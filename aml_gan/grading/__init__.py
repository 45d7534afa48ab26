"""Instructor-side grading tools (nbgrader, optionally Dask); never imported by ``import aml_gan``.

``python -m aml_gan.grading grade <assignment>`` (``make grade A=<assignment>``) autogrades a
whole class in parallel, each student's code in a sandbox: see ``classroom.py``.
``repair.py`` repairs a submission against its release before it is graded (``repair_cli.py``:
``python -m aml_gan.grading repair`` for one file). ``feedback.py`` holds the nbgrader plug-in
that keeps hidden tests out of students' feedback.
"""
