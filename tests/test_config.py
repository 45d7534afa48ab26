import pytest
import torch

from aml_gan import config


def test_fast_mode_flags(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("AML_GAN_FAST", "0")
    assert not config.is_fast()
    assert config.budget(full=100, fast=3) == 100
    monkeypatch.setenv("AML_GAN_FAST", "1")
    assert config.is_fast()
    assert config.budget(full=100, fast=3) == 3


def test_nbgrader_execution_turns_fast_mode_on(monkeypatch):
    monkeypatch.delenv("AML_GAN_FAST", raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert config.is_fast()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert not config.is_fast()


def test_bad_fast_flag_names_the_fix(monkeypatch):
    monkeypatch.setenv("AML_GAN_FAST", "maybe")
    with pytest.raises(ValueError, match="set it to 1"):
        config.is_fast()


def test_device_choice(monkeypatch):
    monkeypatch.delenv("AML_GAN_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else None
    dev = config.get_device()
    if expected:
        assert dev.type == expected
    else:
        assert dev.type in ("cpu", "mps")
    monkeypatch.setenv("AML_GAN_DEVICE", "cpu")
    assert config.get_device() == torch.device("cpu")


def test_forced_device_errors(monkeypatch):
    monkeypatch.setenv("AML_GAN_DEVICE", "tpu")
    with pytest.raises(ValueError, match="unset AML_GAN_DEVICE"):
        config.get_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("AML_GAN_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="no CUDA"):
            config.get_device()


def test_seed_everything_repeats():
    config.seed_everything(3)
    a = torch.randn(4)
    gen = config.seed_everything(3)
    assert torch.equal(a, torch.randn(4))
    assert isinstance(gen, torch.Generator)
    with pytest.raises(TypeError, match="whole number"):
        config.seed_everything(1.5)


def test_thread_settings_restore():
    before = torch.get_num_threads()
    with config.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
