"""nbgrader plug-ins for a submission's working copy: the sandboxed kernel and a cap on output.

``make grade`` configures each working copy with (``submission.py``)::

    c.Autograde.autograde_preprocessors = [LimitedExecute, ...the rest of nbgrader's list...]
    c.SandboxedKernelManager.plan_file = ".../sandbox.json"

``LimitedExecute`` is nbgrader's ``Execute`` with two changes: its kernel is started through
``SandboxedKernelManager`` (which runs ``python -m aml_gan.grading.launch`` around whatever
kernel the notebook names), and output beyond ``max_output_bytes`` per notebook is not kept
(a cell that prints 500 MB costs the grader no memory; the cell says where it was cut).
"""
from __future__ import annotations

import sys
from typing import Any, List, Optional

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

__all__ = ["SandboxedKernelManager", "LimitedExecute", "OUTPUT_CUT"]

OUTPUT_CUT = "[the grader kept no more of this notebook's output: it passed {mb:g} MB]"


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the notebook's kernel through the sandbox launcher described by ``plan_file``."""

    plan_file = Unicode("", help="the sandbox plan (JSON) of this submission").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: Optional[List[str]] = None) -> List[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.plan_file:
            raise RuntimeError("SandboxedKernelManager.plan_file is not set: the kernel would run unsandboxed")
        return [sys.executable, "-m", "aml_gan.grading.launch", self.plan_file, "--", *cmd]

    async def _async_pre_start_kernel(self, **kw: Any):
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        # A signal to the launcher's process group would reach bwrap, not the kernel: ask the
        # kernel to interrupt itself (an interrupt_request message) instead.
        self.kernel_spec.interrupt_mode = "message"
        return cmd, kw


class LimitedExecute(Execute):
    """nbgrader's Execute, sandboxed, keeping at most ``max_output_bytes`` of output per notebook."""

    max_output_bytes = Integer(20 * 2**20, help="output kept per notebook, in bytes").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
        self._kept = 0
        self._cut_cells: set = set()

    def output(self, outs: List[NotebookNode], msg: dict, display_id: Optional[str], cell_index: int):
        size = _size(msg.get("content", {}))
        if self._kept + size > self.max_output_bytes:
            self._cut_cells.add(cell_index)
            return None
        self._kept += size
        return super().output(outs, msg, display_id, cell_index)

    def on_cell_executed(self, **kwargs: Any) -> None:
        super().on_cell_executed(**kwargs)
        index = kwargs.get("cell_index")
        if index in self._cut_cells:
            note = NotebookNode(output_type="stream", name="stdout",
                                text=OUTPUT_CUT.format(mb=self.max_output_bytes / 2**20) + "\n")
            kwargs["cell"].outputs.append(note)


def _size(content: Any) -> int:
    """A cheap byte count of a message's content (its strings)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_size(v) for v in content.values())
    if isinstance(content, (list, tuple)):
        return sum(_size(v) for v in content)
    return 8
