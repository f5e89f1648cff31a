"""``nn.Module`` behaviour that users observe, each checked against PyTorch doing the same thing."""
from collections import OrderedDict

import numpy as np
import pytest
import torch as pt

import chainrule
from chainrule import nn
from oracle import assert_close


def make_net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
            self.norm = lib.nn.BatchNorm1d(2)
            self.register_buffer("step", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.heads = lib.nn.ModuleList([lib.nn.Linear(2, 1), lib.nn.Linear(2, 1)])
            self.extra = lib.nn.ModuleDict({"act": lib.nn.Tanh(), "drop": lib.nn.Dropout(0.25)})

        def forward(self, x):
            h = self.norm(self.body(x)) * self.scale
            return self.heads[0](self.extra["act"](h)) + self.heads[1](h)
    return Net()


def copy_weights(ours, theirs):
    """Load the torch module's numbers into ours (same architecture)."""
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def test_names_of_parameters_buffers_modules_match_pytorch():
    ours, theirs = make_net(chainrule), make_net(pt)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == len(list(theirs.children()))
    assert repr(ours) == repr(theirs)


def test_state_dict_round_trip_and_forward_equal_to_pytorch():
    ours, theirs = make_net(chainrule), make_net(pt)
    copy_weights(ours, theirs)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    ours.train(), theirs.train()
    assert_close(ours(chainrule.tensor(x)), theirs(pt.tensor(x)), "forward (train)")
    for k, v in theirs.state_dict().items():                 # running stats moved the same way
        assert_close(ours.state_dict()[k], v, k)
    ours.eval(), theirs.eval()
    assert_close(ours(chainrule.tensor(x)), theirs(pt.tensor(x)), "forward (eval)")
    again = make_net(chainrule)
    result = again.load_state_dict(ours.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[k].numpy(), v.numpy())


def test_state_dict_values_are_detached_and_share_memory():
    lin = nn.Linear(2, 1)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad
    sd["weight"].numpy()[0, 0] = 42.0
    assert lin.weight.detach().numpy()[0, 0] == 42.0
    kept = lin.state_dict(keep_vars=True)
    assert kept["weight"] is lin.weight


def test_load_state_dict_reports_missing_and_unexpected_keys_like_pytorch():
    sd = {"weight": [[1.0, 2.0]], "foo": [1.0]}
    ours, theirs = nn.Linear(2, 1), pt.nn.Linear(2, 1)
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict({k: chainrule.tensor(v) for k, v in sd.items()})
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict({k: pt.tensor(v) for k, v in sd.items()})
    assert str(ours_err.value) == str(theirs_err.value)
    assert str(ours_err.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: '
                                   '"bias". \n\tUnexpected key(s) in state_dict: "foo". ')


def test_load_state_dict_size_mismatch_names_key_and_both_shapes():
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape "
                                           r"chainrule.Size\(\[1, 3\]\) from checkpoint, the shape in current "
                                           r"model is chainrule.Size\(\[1, 2\]\)"):
        nn.Linear(2, 1).load_state_dict({"weight": chainrule.zeros(1, 3), "bias": chainrule.zeros(1)})


def test_load_state_dict_non_strict_returns_the_keys():
    lin = nn.Linear(2, 1)
    res = lin.load_state_dict({"weight": chainrule.ones(1, 2), "extra": chainrule.ones(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    assert lin.weight.tolist() == [[1.0, 1.0]]


def test_load_state_dict_rejects_non_mappings_and_non_tensors():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(2, 1).load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias"'):
        nn.Linear(2, 1).load_state_dict({"weight": chainrule.ones(1, 2), "bias": "zero"})


def test_load_state_dict_keeps_parameter_objects_and_accepts_torch_tensors():
    lin = nn.Linear(2, 1)
    w = lin.weight
    lin.load_state_dict(pt.nn.Linear(2, 1).state_dict())
    assert lin.weight is w


def test_nested_module_state_dict_error_names_the_top_class():
    with pytest.raises(RuntimeError, match=r"Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\) "
                                           r'in state_dict: "0.bias"'):
        nn.Sequential(nn.Linear(2, 2)).load_state_dict({"0.weight": chainrule.zeros(2, 2)})


# ---------------------------------------------------------------------------- attribute handling
def test_assignment_registers_and_reassignment_moves_between_kinds():
    m = nn.Module()
    m.a = nn.Parameter(chainrule.zeros(2))
    m.b = nn.Linear(1, 1)
    m.register_buffer("c", chainrule.zeros(1))
    assert list(m._parameters) == ["a"] and list(m._modules) == ["b"] and list(m._buffers) == ["c"]
    m.a = None
    assert m.a is None and "a" in m._parameters
    m.b = nn.Parameter(chainrule.zeros(1))           # a module name re-used for a parameter
    assert "b" not in m._modules and "b" in m._parameters
    m.c = chainrule.ones(1)                            # buffers take plain tensors
    assert m.c.tolist() == [1.0]
    del m.c
    assert "c" not in m._buffers
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'c'"):
        m.c
    assert "b" in dir(m)


def test_assignment_errors_match_pytorch():
    m, t = nn.Linear(1, 1), pt.nn.Linear(1, 1)
    with pytest.raises(TypeError) as e1:
        m.weight = chainrule.zeros(1, 1)
    with pytest.raises(TypeError) as e2:
        t.weight = pt.zeros(1, 1)
    assert str(e1.value) == str(e2.value)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(chainrule.zeros(1))
    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", chainrule.zeros(1))
    with pytest.raises(KeyError, match=r'parameter name can.*t contain "\."'):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", chainrule.zeros(1))


def test_non_leaf_parameter_is_refused():
    p = nn.Parameter(chainrule.ones(2))
    q = nn.Parameter(chainrule.ones(2))
    q.grad_fn = (p * 2).grad_fn           # a Parameter that an operation produced (e.g. after an in-place op)
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        nn.Module().register_parameter("q", q)


def test_missing_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(chainrule.ones(1))


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_get_submodule_and_parameter():
    net = make_net(chainrule)
    assert net.get_submodule("body.0") is net.body[0]
    assert net.get_parameter("body.2.bias") is net.body[2].bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("body.nope")


# ------------------------------------------------------------------------------- modes and utils
def test_train_eval_propagate_and_return_self():
    net = make_net(chainrule)
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    assert net.train() is net and all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_sets_to_none_or_zero():
    lin = nn.Linear(2, 1)
    lin(chainrule.ones(1, 2)).sum().backward()
    held = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is held and held.tolist() == [[0.0, 0.0]]
    lin.zero_grad()
    assert lin.weight.grad is None


def test_requires_grad_and_apply():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Sequential"]

    def init_ones(m):
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)
    net.apply(init_ones)
    assert net[1].weight.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("convert,dtype", [(lambda m: m.double(), chainrule.float64),
                                           (lambda m: m.to(chainrule.float64), chainrule.float64),
                                           (lambda m: m.double().float(), chainrule.float32),
                                           (lambda m: m.to("cpu", chainrule.float64), chainrule.float64)])
def test_dtype_conversion_keeps_parameter_objects(convert, dtype):
    net = make_net(chainrule)
    params = list(net.parameters())
    assert convert(net) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == dtype for p in net.parameters())
    assert net.norm.running_mean.dtype == dtype
    assert net.norm.num_batches_tracked.dtype == chainrule.int64      # integer buffers stay integer
    out = net(chainrule.ones(3, 3, dtype=dtype))
    assert out.dtype == dtype


def test_to_device_cpu_is_accepted_and_cuda_is_a_clear_error():
    lin = nn.Linear(1, 1)
    assert lin.to("cpu") is lin and lin.cpu() is lin and lin.to(chainrule.device("cpu")) is lin
    loss = nn.BCELoss()
    assert loss.to("cpu") is loss and loss.cpu() is loss           # a module without parameters: itself, unchanged
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        lin.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        lin.to(chainrule.int64)


# ------------------------------------------------------------------------------------- repr
REPR_MODELS = [
    lambda nn: nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()),
    lambda nn: nn.Sequential(OrderedDict([("fc", nn.Linear(4, 3, bias=False)), ("act", nn.GELU("tanh")),
                                          ("drop", nn.Dropout(0.1)), ("norm", nn.LayerNorm(3)),
                                          ("bn", nn.BatchNorm1d(3, momentum=None)), ("flat", nn.Flatten()),
                                          ("sm", nn.LogSoftmax(dim=1))])),
    lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Sequential(nn.Tanh())]),
    lambda nn: nn.ModuleDict({"emb": nn.Embedding(10, 3, padding_idx=0), "un": nn.Unflatten(1, (2, 2)),
                              "id": nn.Identity(), "elu": nn.ELU(0.5, True), "sp": nn.Softplus(2, 10)}),
    lambda nn: nn.Sequential(),
    lambda nn: nn.Sequential(nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.LeakyReLU(0.2)))),
]


@pytest.mark.parametrize("build", REPR_MODELS)
def test_print_model_equals_pytorch(build):
    assert repr(build(chainrule.nn)) == repr(build(pt.nn))


def test_extra_repr_with_several_lines_and_children():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "alpha=1\nbeta=2"

    class TCustom(pt.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = pt.nn.Linear(1, 1)

        def extra_repr(self):
            return "alpha=1\nbeta=2"
    assert repr(Custom()).replace("Custom", "X") == repr(TCustom()).replace("TCustom", "X")


def test_load_state_dict_assign_takes_the_checkpoint_tensors():
    lin = nn.Linear(2, 1)
    w = chainrule.tensor([[1.0, 2.0]], dtype=chainrule.float64)
    lin.load_state_dict({"weight": w, "bias": chainrule.zeros(1, dtype=chainrule.float64)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    assert lin.weight.dtype == chainrule.float64 and lin.weight.tolist() == [[1.0, 2.0]]
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
