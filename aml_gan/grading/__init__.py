"""Instructor-side grading tools (nbgrader, optionally Dask); never imported by ``import aml_gan``.

``python -m aml_gan.grading grade <assignment>`` (``make grade A=<assignment>``) autogrades a
whole class in parallel, each student's code in a sandbox: see ``classroom.py``.
``feedback.py`` holds the nbgrader plug-in that keeps hidden tests out of students' feedback.
"""
