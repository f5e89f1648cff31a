"""``import torch`` served by chainrule (``interop.torch_shim``): every module path a tutorial imports, the
same objects whichever way they are reached, a clear error for what chainrule lacks, and real torch
back afterwards."""
from __future__ import annotations

import sys

import pytest
import torch as real_torch

import chainrule
from chainrule.interop.torch_shim import MissingTorchAPI, TorchShim


def test_every_tutorial_import_gives_chainrule():
    with TorchShim():
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch import nn as nn_again
        from torch.optim.lr_scheduler import StepLR
        from torch.utils.data import DataLoader, TensorDataset
        from torch.nn import init
        assert torch.tensor is chainrule.tensor
        assert nn.Linear is chainrule.nn.Linear and nn_again is nn and torch.nn is nn
        assert F.relu is chainrule.nn.functional.relu and torch.nn.functional is F
        assert optim.Adam is chainrule.optim.Adam and StepLR is chainrule.optim.lr_scheduler.StepLR
        assert DataLoader is chainrule.utils.data.DataLoader and TensorDataset is chainrule.utils.data.TensorDataset
        assert init.xavier_uniform_ is chainrule.nn.init.xavier_uniform_
        assert isinstance(torch.zeros(2), chainrule.Tensor)
        assert torch.cuda.is_available() is False
    assert sys.modules["torch"] is real_torch
    import torch
    assert torch is real_torch and torch.nn.Linear is not chainrule.nn.Linear


def test_missing_api_names_itself_and_what_exists():
    with TorchShim():
        import torch
        with pytest.raises(MissingTorchAPI, match=r"torch\.nn\.functional\.grid_sample is not part of chainrule; "
                                                  r"torch\.nn\.functional provides: .*relu"):
            torch.nn.functional.grid_sample
        assert not hasattr(torch, "distributed")
        with pytest.raises(ModuleNotFoundError, match=r"torch\.distributed is not part of chainrule \(chainrule "
                                                      r"serves torch, torch\.autograd, .*torch\.nn, torch\.optim"):
            import torch.distributed  # noqa: F401
        with pytest.raises(ModuleNotFoundError, match="torch.viz is not part of chainrule"):
            import torch.viz  # noqa: F401  (chainrule's own modules are not torch's)


def test_attributes_set_through_the_facade_reach_chainrule():
    with TorchShim():
        import torch
        torch.backends.cudnn.deterministic = True
        torch.set_default_device("cpu")
        with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
            torch.set_default_device("cuda")
    assert chainrule.backends.cudnn.deterministic is True


def test_a_failure_inside_the_block_still_restores_torch():
    with pytest.raises(ZeroDivisionError):
        with TorchShim():
            import torch  # noqa: F401
            1 / 0
    assert sys.modules["torch"] is real_torch
    assert not any(isinstance(f, TorchShim) for f in sys.meta_path)


def test_importing_through_the_shim_leaves_chainrules_modules_as_they_were():
    import chainrule.nn
    import chainrule.nn.functional
    before = (chainrule.nn.__package__, chainrule.nn.__spec__.name, chainrule.nn.functional.__package__)
    with TorchShim():
        import torch.nn  # noqa: F401
        import torch.nn.functional  # noqa: F401
    assert (chainrule.nn.__package__, chainrule.nn.__spec__.name, chainrule.nn.functional.__package__) == before
    with pytest.raises(RuntimeError, match="gelu: expected a floating point input"):
        chainrule.nn.GELU()(chainrule.tensor([1]))      # a function-level relative import still resolves
