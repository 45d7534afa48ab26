"""While nbgrader grades a notebook, the widget cells draw their static figure and build no live
widgets (sliders do nothing there, and live widgets can stall nbclient: jupyter/nbclient#312)."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from aml_gan.widgets.games import game_explorer  # noqa: E402
from aml_gan.widgets.losses import show_loss_explorer  # noqa: E402
from aml_gan.widgets.two_sample import two_sample_explorer  # noqa: E402


@pytest.mark.parametrize("build", [show_loss_explorer, game_explorer, two_sample_explorer])
def test_no_live_widgets_while_grading(build, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert build() is None
    assert "appear when you run this notebook yourself" in capsys.readouterr().out
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert build() is not None  # a live widget otherwise
