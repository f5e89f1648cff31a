"""One trigger per catalogued error that no other test raises: what a user does, and the error they see.

docs/errors.md names these as ``tests/robustness/test_error_triggers.py::test_triggers[<id>]``;
test_error_catalogue.py checks that each named id exists here and raises the catalogued type.
"""
from __future__ import annotations


import numpy as np
import pytest

import chainrule
from chainrule.autograd.higher import DoubleBackwardError
from chainrule import nn, optim
from chainrule.viz import vanishing
from chainrule.viz.checkpoints import CheckpointError


def _t(*shape, **kw):
    return chainrule.ones(*shape, **kw)


def _leaf():
    return chainrule.ones(2, requires_grad=True)


def _grad_not_required():
    chainrule.ones(2).sum().backward()


def _autograd_grad_of_constant():
    x = _leaf()
    chainrule.autograd.grad((x * 2).sum(), [chainrule.ones(2)])


def _autograd_grad_unused():
    x, w = _leaf(), _leaf()
    chainrule.autograd.grad((x * 2).sum(), [w])


def _grad_output_shape():
    y = _leaf() * 2
    y.backward(chainrule.ones(3))


def _too_many_grad_outputs():
    x = _leaf()
    chainrule.autograd.grad([(x * 2).sum()], [x], grad_outputs=[chainrule.tensor(1.0), chainrule.tensor(1.0)])


def _create_graph():
    w = chainrule.randn(4, 2, requires_grad=True)       # embedding's backward with padding_idx is not recordable
    chainrule.autograd.grad(chainrule.nn.functional.embedding(chainrule.tensor([0, 3]), w, padding_idx=3).sum(), w,
                            create_graph=True)


def _requires_grad_on_non_leaf():
    (_leaf() * 2).requires_grad_(False)


def _numpy_of_requires_grad():
    _leaf().numpy()


def _retain_grad_without_grad():
    _t(2).retain_grad()


def _post_accumulate_hook_on_non_leaf():
    (_leaf() * 2).register_post_accumulate_grad_hook(lambda t: None)


def _view_in_no_grad_modified():
    x = _leaf() * 1
    with chainrule.no_grad():
        v = x[0:1]
    v.mul_(2)


def _in_place_on_view_of_leaf():
    _leaf()[0:1].mul_(2)


def _custom_function_wrong_grad_count():
    class Twice(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 2 + b

        @staticmethod
        def backward(ctx, g):
            return g * 2
    Twice.apply(_leaf(), _leaf()).sum().backward()


def _custom_function_wrong_grad_shape():
    class Bad(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return chainrule.ones(5)
    Bad.apply(_leaf()).sum().backward()


def _gradcheck_failure():
    class Wrong(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g          # should be 2·a·g
    x = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    chainrule.autograd.gradcheck(Wrong.apply, (x,))


def _module_without_init():
    class Net(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 1)
    Net()


def _load_state_dict_mismatch():
    nn.Linear(2, 1).load_state_dict({"weight": chainrule.ones(3, 3), "bias": chainrule.ones(1)})


def _optimizer_state_shape():
    w = nn.Parameter(_t(2))
    opt = optim.Adam([w])
    w.grad = _t(2)
    opt.step()
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = chainrule.ones(3)
    optim.Adam([nn.Parameter(_t(2))]).load_state_dict(state)


def _optimizer_state_groups():
    state = optim.SGD([nn.Parameter(_t(2))], lr=0.1).state_dict()
    optim.SGD([nn.Parameter(_t(2)), nn.Parameter(_t(1))], lr=0.1).load_state_dict(state)


def _scheduler_groups_mismatch():
    opt = optim.SGD([nn.Parameter(_t(2))], lr=0.1)
    optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 0.5])


def _step_pre_hook_bad_return():
    opt = optim.SGD([nn.Parameter(_t(2))], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: 42)
    opt.step()


def _clip_non_finite():
    w = nn.Parameter(_t(2))
    w.grad = chainrule.tensor([float("inf"), 1.0])
    nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def _collate_mixed():
    from chainrule.utils.data import DataLoader
    list(DataLoader([object(), object()], batch_size=2))


def _checkpoint_missing(tmp_path):
    from chainrule.viz.checkpoints import load_checkpoint
    model = nn.Linear(2, 1)
    load_checkpoint(str(tmp_path), model, optim.SGD(model.parameters(), lr=0.1))


def _train_model_cannot_take_inputs(tmp_path):
    from chainrule.viz import training
    training.train(training.TrainConfig(dataset="xor", epochs=1), str(tmp_path),
                   model=lambda: nn.Sequential(nn.Linear(3, 2)), progress=False, plots=False)


def _locale_unknown():
    from chainrule.explain.locale import messages
    messages("fr")


def _render_unknown_format():
    from chainrule.explain import explain_step
    from chainrule.explain.examples import SEED
    from chainrule.explain.model_file import load_model_file
    m = load_model_file(SEED)
    explain_step(m.model, m.criterion, m.optimizer, m.x, m.y).render("pdf")


def _bce_out_of_range():
    nn.functional.binary_cross_entropy(chainrule.tensor([1.5]), chainrule.tensor([1.0]))


def _ce_target_out_of_bounds():
    nn.functional.cross_entropy(_t(2, 3), chainrule.tensor([0, 3]))


def _ce_float_target():
    nn.functional.nll_loss(_t(2, 3), chainrule.tensor([0.0, 1.0]))


def _module_init_args():
    class Net(nn.Module):
        def __init__(self):
            super().__init__(3)
    Net()


def _module_backward_hook_count():
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda m, gin, gout: (gin[0], gin[0]))
    layer(_leaf().view(1, 2)).sum().backward()


def _plateau_new_group():
    opt = optim.SGD([nn.Parameter(_t(2))], lr=0.1)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.0], patience=0)
    sched.step(1.0)
    opt.add_param_group({"params": [nn.Parameter(_t(1))]})
    sched.step(2.0)                     # worse: time to reduce, with one min_lr for two groups


CASES = {
    # tensor construction and dtypes
    "ragged-list": (ValueError, "ragged nested lists", lambda: chainrule.tensor([[1, 2], [3]])),
    "mixed-list": (TypeError, "can't build a tensor from list of mixed", lambda: chainrule.tensor([None, 1.0])),
    "unsupported-numpy-dtype": (TypeError, "supported types are", lambda: chainrule.tensor(np.array(["a"]))),
    "default-dtype-int": (TypeError, "only floating-point types", lambda: chainrule.set_default_dtype(chainrule.int64)),
    "finfo-of-int": (TypeError, "is not a floating point dtype; use iinfo", lambda: chainrule.finfo(chainrule.int64)),
    "from-numpy-not-array": (TypeError, r"expected np\.ndarray \(got list\)", lambda: chainrule.from_numpy([1.0])),
    "cuda-device": (RuntimeError, "device 'cuda' is not available", lambda: chainrule.ones(2, device="cuda")),
    "int-requires-grad": (RuntimeError, "only Tensors of floating point dtype can require gradients",
                          lambda: chainrule.tensor([1, 2], requires_grad=True)),
    # operators
    "broadcast-mismatch": (RuntimeError, r"^add: shapes .* cannot be broadcast", lambda: _t(3) + _t(2)),
    "matmul-inner-dims": (RuntimeError, "inner dimensions 3 and 2 differ", lambda: _t(1, 3) @ _t(2, 2)),
    "matmul-0d": (RuntimeError, "at least 1D", lambda: chainrule.tensor(1.0) @ _t(2)),
    "matmul-dtypes": (RuntimeError, "float32 != float64", lambda: _t(2, 2) @ _t(2, 2, dtype=chainrule.float64)),
    "mm-not-2d": (RuntimeError, "mm: expected 2-D tensors", lambda: _t(2, 3).mm(_t(3))),
    "bmm-not-3d": (RuntimeError, "bmm: expected 3-D tensors", lambda: _t(2, 3).bmm(_t(3, 2))),
    "dot-not-1d": (RuntimeError, "1D tensors expected", lambda: _t(2, 2).dot(_t(2))),
    "bool-sub": (RuntimeError, "logical_not", lambda: chainrule.tensor([True]) - chainrule.tensor([False])),
    "bool-neg": (RuntimeError, "logical_not", lambda: -chainrule.tensor([True])),
    "bad-operand": (TypeError, "unsupported operand type", lambda: chainrule.add(_t(2), object())),
    "item-many": (RuntimeError, "cannot be converted to Scalar", lambda: _t(3).item()),
    "bool-ambiguous": (RuntimeError, "ambiguous", lambda: bool(_t(3))),
    "index-float": (TypeError, "only integer tensors of a single element", lambda: [1, 2][_t(1)]),
    "len-0d": (TypeError, "len\\(\\) of a 0-d tensor", lambda: len(chainrule.tensor(1.0))),
    "iter-0d": (TypeError, "iteration over a 0-d tensor", lambda: iter(chainrule.tensor(1.0))),
    "clamp-no-bounds": (RuntimeError, "at least one of 'min' or 'max'", lambda: _t(2).clamp()),
    "mean-of-int": (RuntimeError, "could not infer output dtype", lambda: chainrule.tensor([1, 2]).mean()),
    "max-of-empty": (RuntimeError, "Expected reduction dim to be specified", lambda: chainrule.zeros(0).max()),
    "norm-p": (RuntimeError, "norm: p='nuc' is not supported", lambda: _t(2).norm(p="nuc")),
    "topk-too-large": (RuntimeError, r"topk: k \(5\) is larger", lambda: _t(3).topk(5)),
    "softmax-no-dim": (TypeError, "need an explicit dim", lambda: _t(3).softmax(None)),
    "deepcopy-non-leaf": (RuntimeError, r"\(graph leaves\) support the deepcopy",
                          lambda: __import__("copy").deepcopy(_t(2).requires_grad_() * 2)),
    # shapes
    "view-size": (RuntimeError, r"view: shape '\[4\]' is invalid for input of size 6", lambda: _t(2, 3).view(4)),
    "reshape-two-minus-one": (RuntimeError, "only one dimension can be inferred", lambda: _t(6).reshape(-1, -1)),
    "reshape-negative": (RuntimeError, "invalid shape dimension -2", lambda: _t(6).reshape(-2, 3)),
    "dim-out-of-range": (IndexError, "Dimension out of range", lambda: _t(2, 3).sum(2)),
    "index-out-of-range": (IndexError, r"out of bounds.*\(indexing a tensor of shape \(2, 3\)\)", lambda: _t(2, 3)[5]),
    "t-3d": (RuntimeError, r"t\(\) expects a tensor with <= 2 dimensions", lambda: _t(2, 2, 2).t()),
    "permute-dims": (RuntimeError, "does not match the length of the desired ordering", lambda: _t(2, 3).permute(0)),
    "expand-size": (RuntimeError, "expand: the expanded size", lambda: _t(2, 3).expand(4, 4)),
    "expand-too-few": (RuntimeError, "expand: the number of sizes provided", lambda: _t(2, 3).expand(3)),
    "repeat-too-few": (RuntimeError, "repeat dims can not be smaller", lambda: _t(2, 3).repeat(2)),
    "view-dtype": (RuntimeError, r"view\(dtype\) is not supported", lambda: _t(2).view(chainrule.float64)),
    "split-sizes": (RuntimeError, "split_with_sizes expects split_sizes to sum exactly", lambda: _t(2, 3).split([1, 2])),
    "chunk-zero": (RuntimeError, "chunk expects `chunks` to be greater than 0", lambda: _t(4).chunk(0)),
    "cat-empty": (RuntimeError, "expected a non-empty list of Tensors", lambda: chainrule.cat([])),
    "cat-sizes": (RuntimeError, "cat: Sizes of tensors must match", lambda: chainrule.cat([_t(2, 3), _t(2, 2)])),
    "stack-empty": (RuntimeError, "stack expects a non-empty TensorList", lambda: chainrule.stack([])),
    "stack-sizes": (RuntimeError, "stack expects each tensor to be equal size", lambda: chainrule.stack([_t(2), _t(3)])),
    "function-not-tensor": (TypeError, r"argument 'input' must be Tensor, not list", lambda: chainrule.exp([1.0])),
    # in-place
    "in-place-leaf": (RuntimeError, "leaf Variable that requires grad is being used in an in-place",
                      lambda: _leaf().add_(1)),
    "in-place-view-of-leaf": (RuntimeError, "a view of a leaf Variable", _in_place_on_view_of_leaf),
    "in-place-cast": (RuntimeError, "can't be cast to the desired output type", lambda: chainrule.tensor([1]).add_(0.5)),
    "in-place-broadcast": (RuntimeError, "doesn't match the broadcast shape", lambda: _t(3).add_(_t(2, 3))),
    "in-place-no-grad-view": (RuntimeError, "created in no_grad mode", _view_in_no_grad_modified),
    # autograd
    "backward-not-required": (RuntimeError, "does not require grad and does not have a grad_fn", _grad_not_required),
    "grad-of-constant": (RuntimeError, "One of the differentiated Tensors does not require grad",
                         _autograd_grad_of_constant),
    "grad-unused": (RuntimeError, "appears to not have been used in the graph", _autograd_grad_unused),
    "grad-output-shape": (RuntimeError, "Mismatch in shape: grad_output", _grad_output_shape),
    "grad-output-count": (RuntimeError, "got 2 gradients for 1 outputs", _too_many_grad_outputs),
    "grad-of-non-tensor": (TypeError, "expected Tensor outputs, got float",
                           lambda: chainrule.autograd.grad([1.0], [_leaf()])),
    "create-graph": (DoubleBackwardError, "double backward of EmbeddingBackward0 is not supported", _create_graph),
    "requires-grad-non-leaf": (RuntimeError, "only change requires_grad flags of leaf variables",
                               _requires_grad_on_non_leaf),
    "numpy-requires-grad": (RuntimeError, r"Can't call numpy\(\) on Tensor that requires grad", _numpy_of_requires_grad),
    "retain-grad-no-grad": (RuntimeError, "can't retain_grad on Tensor that has requires_grad=False",
                            _retain_grad_without_grad),
    "post-accumulate-non-leaf": (RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf",
                                 _post_accumulate_hook_on_non_leaf),
    "function-grad-count": (RuntimeError, "returned an incorrect number of gradients", _custom_function_wrong_grad_count),
    "function-grad-shape": (RuntimeError, "returned an invalid gradient at index 0", _custom_function_wrong_grad_shape),
    "gradcheck-mismatch": (RuntimeError, "Jacobian mismatch for output 0 with respect to input 0", _gradcheck_failure),
    # nn
    "linear-width": (RuntimeError, r"input has shape \(1, 3\) but the layer expects \(\*, 2\)",
                     lambda: nn.Linear(2, 1)(_t(1, 3))),
    "linear-dtype": (RuntimeError, "does not match the weight dtype",
                     lambda: nn.Linear(2, 1)(_t(1, 2, dtype=chainrule.float64))),
    "activation-int-input": (RuntimeError, "gelu: expected a floating point input but got chainrule.int64",
                             lambda: nn.GELU()(chainrule.tensor([1]))),
    "functional-not-tensor": (TypeError, "must be a Tensor, not list", lambda: nn.functional.relu([1.0])),
    "module-no-init": (AttributeError, r"cannot assign module before Module.__init__\(\) call", _module_without_init),
    "module-no-attribute": (AttributeError, "'Linear' object has no attribute 'weights'", lambda: nn.Linear(2, 1).weights),
    "module-assign-tensor-to-param": (TypeError, r"cannot assign 'torch.FloatTensor' as parameter 'weight'",
                                      lambda: setattr(nn.Linear(2, 1), "weight", _t(1, 2))),
    "module-no-forward": (NotImplementedError, 'missing the required "forward" function', lambda: nn.Module()(1)),
    "module-to-int": (TypeError, "only accepts floating point dtypes", lambda: nn.Linear(2, 1).to(chainrule.int64)),
    "load-state-dict": (RuntimeError, r"Error\(s\) in loading state_dict for Linear", _load_state_dict_mismatch),
    "modulelist-call": (NotImplementedError, "ModuleList is not callable", lambda: nn.ModuleList([nn.ReLU()])(1)),
    "sequential-index": (IndexError, "index 5 is out of range", lambda: nn.Sequential(nn.ReLU())[5]),
    "dropout-p": (ValueError, "dropout probability has to be between 0 and 1", lambda: nn.Dropout(1.5)),
    "batchnorm-features": (ValueError, "features in dim 1", lambda: nn.BatchNorm1d(3)(_t(4, 2))),
    "batchnorm-one-value": (ValueError, "Expected more than 1 value per channel when training",
                            lambda: nn.BatchNorm1d(2)(_t(1, 2))),
    "layernorm-shape": (RuntimeError, "Given normalized_shape=", lambda: nn.LayerNorm(3)(_t(2, 2))),
    "embedding-index": (IndexError, "index 7 is out of range for an embedding table of 5 rows",
                        lambda: nn.Embedding(5, 2)(chainrule.tensor([7]))),
    "embedding-float-index": (RuntimeError, "Expected tensor for argument #1 'indices'",
                              lambda: nn.Embedding(5, 2)(_t(1))),
    "init-fan-1d": (ValueError, "Fan in and fan out can not be computed", lambda: nn.init.xavier_uniform_(_t(3))),
    "init-nonlinearity": (ValueError, "Unsupported nonlinearity", lambda: nn.init.calculate_gain("swish")),
    "clip-non-finite": (RuntimeError, "is non-finite, so it cannot be clipped", _clip_non_finite),
    # losses
    "loss-reduction": (ValueError, "is not a valid value for reduction", lambda: nn.MSELoss(reduction="avg")(_t(2), _t(2))),
    "bce-size": (ValueError, r"Using a target size|must be the same as input size",
                 lambda: nn.BCELoss()(_t(2, 1) * 0.5, _t(2))),
    "bce-range": (RuntimeError, "should be between 0 and 1", _bce_out_of_range),
    "ce-target-bounds": (IndexError, "Target 3 is out of bounds", _ce_target_out_of_bounds),
    "ce-float-target": (RuntimeError, r"expected target of integer class indices \(int64\)", _ce_float_target),
    "ce-batch-size": (ValueError, "Expected input batch_size", lambda: nn.functional.cross_entropy(
        _t(2, 3), chainrule.tensor([0, 1, 2]))),
    "ce-0d-input": (ValueError, "input is a 0-d tensor", lambda: nn.functional.cross_entropy(
        chainrule.tensor(1.0), chainrule.tensor(0))),
    "ce-label-smoothing": (ValueError, "label_smoothing must be between 0.0 and 1.0",
                           lambda: nn.functional.cross_entropy(_t(2, 3), chainrule.tensor([0, 1]), label_smoothing=2.0)),
    "huber-delta": (RuntimeError, "huber_loss does not support non-positive values for delta",
                    lambda: nn.functional.huber_loss(_t(2), _t(2), delta=0.0)),
    # added for the catalogue
    "module-init-args": (TypeError, r"Module.__init__ takes none", _module_init_args),
    "register-dotted-name": (KeyError, r'parameter name can.{1,2}t contain "\."',
                             lambda: nn.Linear(2, 1).register_parameter("a.b", None)),
    "module-backward-hook-count": (RuntimeError, "Backward hook returned an invalid number of grad_input",
                                   _module_backward_hook_count),
    "bce-weight": (RuntimeError, r"weight of shape \(3,\) does not broadcast to the input shape",
                   lambda: nn.functional.binary_cross_entropy(_t(2, 2) * 0.5, _t(2, 2), weight=_t(3))),
    "ce-target-rank": (RuntimeError, "needs class indices of shape",
                       lambda: nn.functional.cross_entropy(_t(2, 3), chainrule.tensor([[0], [1]]))),
    "plateau-new-group": (RuntimeError, "The number of param groups in the `optimizer`", _plateau_new_group),
    "hardtanh-bounds": (ValueError, "must be less than max_val", lambda: nn.Hardtanh(1.0, -1.0)),
    "gelu-approximate": (RuntimeError, "approximate argument must be either none or tanh",
                         lambda: nn.GELU(approximate="fast")(_t(2))),
    "sequential-times-zero": (ValueError, "Non-positive multiplication factor 0", lambda: nn.Sequential(nn.ReLU()) * 0),
    "sequential-insert-non-module": (AssertionError, "module should be of type",
                                     lambda: nn.Sequential(nn.ReLU()).insert(0, "relu")),
    "sequential-insert-index": (IndexError, "Index out of range: 9", lambda: nn.Sequential(nn.ReLU()).insert(9, nn.ReLU())),
    "unflatten-size": (TypeError, "unflattened_size must be tuple of ints", lambda: nn.Unflatten(1, 6)),
    "repeated-dim": (RuntimeError, "dim 0 appears multiple times", lambda: _t(2, 3).sum((0, 0))),
    "einsum-shapes": (RuntimeError, r"einsum\('ij,jk->ik'\): operands of shapes \(2, 3\), \(2, 2\) do not fit",
                      lambda: chainrule.einsum("ij,jk->ik", _t(2, 3), _t(2, 2))),
    "einsum-ellipsis": (NotImplementedError, "ellipsis", lambda: chainrule.einsum("...ij->ij", _t(2, 3))),
    "train-mode-not-bool": (ValueError, "training mode is expected to be boolean", lambda: nn.Linear(1, 1).train("yes")),
    "masked-fill-float-mask": (RuntimeError, "masked_fill only supports boolean masks",
                               lambda: _t(2, 3).masked_fill(_t(2, 3), 0.0)),
    "flatten-dims": (RuntimeError, r"start_dim \(2\) cannot come after end_dim \(1\)", lambda: _t(2, 3, 4).flatten(2, 1)),
    "permute-duplicate": (RuntimeError, "duplicate dims are not allowed", lambda: _t(2, 3).permute(0, 0)),
    "narrow-start": (IndexError, "narrow: start out of range", lambda: _t(2, 3).narrow(0, 5, 1)),
    "narrow-length": (RuntimeError, "exceeds dimension size", lambda: _t(2, 3).narrow(0, 1, 5)),
    "split-zero": (RuntimeError, "split_size must be positive", lambda: _t(2, 3).split(0)),
    # optim
    "optimizer-lr": (ValueError, "Invalid learning rate: -1", lambda: optim.SGD([nn.Parameter(_t(2))], lr=-1)),
    "optimizer-state-shape": (ValueError, "optimizer state 'exp_avg' has shape", _optimizer_state_shape),
    "optimizer-state-groups": (ValueError, "doesn't match the size of optimizer's group", _optimizer_state_groups),
    "optimizer-step-pre-hook": (RuntimeError, "optimizer step pre-hook must return None", _step_pre_hook_bad_return),
    "scheduler-not-optimizer": (TypeError, "is not an Optimizer", lambda: optim.lr_scheduler.StepLR(object(), 1)),
    "scheduler-step-size": (ValueError, "step_size must be a positive integer",
                            lambda: optim.lr_scheduler.StepLR(optim.SGD([nn.Parameter(_t(2))], lr=0.1), 0)),
    "scheduler-lambdas": (ValueError, "Expected 1 lr_lambdas, but got 2", _scheduler_groups_mismatch),
    # data
    "dataloader-workers": (ValueError, "num_workers option should be non-negative",
                           lambda: chainrule.utils.data.DataLoader([1], num_workers=-1)),
    "collate-type": (TypeError, "default_collate: batch must contain", _collate_mixed),
    "batch-size-zero": (ValueError, "batch_size should be a positive integer",
                        lambda: chainrule.utils.data.DataLoader([1], batch_size=0)),
    # explain API
    "explain-unknown-language": (ValueError, "unknown language 'fr'", _locale_unknown),
    "explain-unknown-format": (ValueError, "unknown format 'pdf'", _render_unknown_format),
    # train / viz
    "train-inputs-mismatch": (ValueError, "the model cannot take xor's inputs", _train_model_cannot_take_inputs),
    "vanishing-unknown-init": (ValueError, "unknown init 'he'", lambda: vanishing.build_mlp(3, "relu", init="he")),
}

CASES["checkpoint-missing"] = (CheckpointError, "no checkpoint to resume from", _checkpoint_missing)


@pytest.mark.parametrize("key", sorted(CASES))
def test_triggers(key, tmp_path):
    error, match, trigger = CASES[key]
    with pytest.raises(error, match=match):
        trigger(tmp_path) if trigger.__code__.co_argcount else trigger()
