"""Instructor-side grading helpers (nbgrader plug-ins). Not imported by ``import aml_gan``:
they need nbgrader, which students do not install."""
