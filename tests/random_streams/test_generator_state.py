"""``Generator`` objects and the global generator: seeding, seeds, states in PyTorch's byte layout (so a
state moves between the two libraries), save/restore, fork_rng, and PyTorch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule

from .helpers import assert_same, same_stream


def test_default_seed_and_initial_seed():
    assert chainrule.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert_same(chainrule.rand(5, generator=chainrule.Generator()).numpy(),
                torch.rand(5, generator=torch.Generator()).numpy())


@pytest.mark.parametrize("seed", [0, 7, 2 ** 40 + 1, 2 ** 64 - 1, -1, -(2 ** 63)])
def test_manual_seed_returns_the_generator_and_initial_seed(seed):
    g = chainrule.Generator()
    assert g.manual_seed(seed) is g
    assert g.initial_seed() == torch.Generator().manual_seed(seed).initial_seed()
    chainrule.manual_seed(seed)
    torch.manual_seed(seed)
    assert chainrule.initial_seed() == torch.initial_seed()


def test_seed_is_fresh_and_recorded():
    a, b = chainrule.seed(), chainrule.seed()
    assert a != b and chainrule.initial_seed() == b and 0 <= b < 2 ** 64
    g = chainrule.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    assert_same(chainrule.rand(4, generator=g).numpy(), torch.rand(4, generator=torch.Generator().manual_seed(s)).numpy())


def _advance(lib, g=None):
    """Draws that leave a cached normal sample (randn(3)) and a part-used mt19937 block."""
    lib.rand(700, generator=g)
    lib.randn(3, generator=g)


def test_state_bytes_equal_torch():
    for advance in (lambda lib: None, _advance, lambda lib: lib.rand(624), lambda lib: lib.randn(5)):
        chainrule.manual_seed(3)
        torch.manual_seed(3)
        advance(chainrule)
        advance(torch)
        ours, theirs = chainrule.get_rng_state(), torch.get_rng_state()
        assert ours.dtype == chainrule.uint8 and tuple(ours.shape) == (5056,)
        assert_same(ours.numpy(), theirs.numpy(), "get_rng_state bytes")


def test_save_restore_repeats_including_the_cached_normal():
    g = chainrule.Generator().manual_seed(5)
    _advance(chainrule, g)
    state = g.get_state()
    first = [chainrule.randn(3, generator=g).numpy(), chainrule.rand(2, generator=g).numpy()]
    g.set_state(state)
    again = [chainrule.randn(3, generator=g).numpy(), chainrule.rand(2, generator=g).numpy()]
    assert_same(again, first)


def test_states_cross_between_libraries():
    torch.manual_seed(9)
    _advance(torch)
    chainrule.set_rng_state(torch.get_rng_state())          # torch's ByteTensor accepted as is
    ours = chainrule.randn(5).numpy()
    theirs = torch.randn(5).numpy()
    assert_same(ours, theirs)
    chainrule.manual_seed(10)
    _advance(chainrule)
    torch.set_rng_state(torch.from_numpy(chainrule.get_rng_state().numpy()))
    assert_same(chainrule.randn(5).numpy(), torch.randn(5).numpy())


def test_global_get_set_rng_state():
    chainrule.manual_seed(1)
    s = chainrule.get_rng_state()
    a = chainrule.randn(20).numpy()
    chainrule.set_rng_state(s)
    assert_same(chainrule.randn(20).numpy(), a)


def test_fork_rng_restores_the_stream():
    def program(lib):
        lib.rand(3)
        with lib.random.fork_rng():
            lib.randn(50)
        return lib.rand(3)
    same_stream(4, program)


def test_generators_are_independent():
    g1, g2 = chainrule.Generator().manual_seed(1), chainrule.Generator().manual_seed(1)
    a = chainrule.rand(3, generator=g1).numpy()
    chainrule.rand(100)                                        # the global stream moves, g2 does not
    assert_same(chainrule.rand(3, generator=g2).numpy(), a)


def test_errors_match_torch():
    g = chainrule.Generator()
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        g.manual_seed(2 ** 64)
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056 but found the input RNG "
                                           "state size to be 3"):
        g.set_state(chainrule.zeros(3, dtype=chainrule.uint8))
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        g.set_state(chainrule.zeros(5056))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(chainrule.zeros(5056, dtype=chainrule.uint8))
    with pytest.raises(TypeError, match="generator must be a chainrule.Generator"):
        chainrule.rand(3, generator=np.random.default_rng(0))
    chainrule.manual_seed(1.9)                                  # the module-level one truncates, like torch's
    assert chainrule.initial_seed() == 1


def test_numpy_view_shares_the_engine():
    """``Generator.np`` (for chainrule-only data such as viz.datasets) draws from the same engine."""
    g = chainrule.Generator().manual_seed(2)
    g.np.random(10)                                            # 10 doubles = 20 words
    h = chainrule.Generator().manual_seed(2)
    chainrule.rand(20, generator=h)                            # 20 words
    assert_same(chainrule.rand(4, generator=g).numpy(), chainrule.rand(4, generator=h).numpy())


def test_state_json_round_trip_and_damaged_records():
    from chainrule.random import state_from_json, state_to_json
    g = chainrule.Generator().manual_seed(3)
    chainrule.randn(5, generator=g)
    record = state_to_json(g.get_state())
    h = chainrule.Generator().set_state(state_from_json(record))
    assert_same(chainrule.randn(7, generator=h).numpy(), chainrule.randn(7, generator=g).numpy())
    with pytest.raises(ValueError, match='a generator state must be {"mt19937_state": "<hex bytes>"}'):
        state_from_json({"key": [1, 2]})
    with pytest.raises(ValueError, match="a generator state has 5056 bytes, this one 2"):
        state_from_json({"mt19937_state": "abcd"})


def test_train_resume_with_a_damaged_random_state_is_refused(tmp_path):
    import json
    from chainrule.viz.checkpoints import CheckpointError
    from chainrule.viz.training import TrainConfig, train
    cfg = TrainConfig(dataset="xor", epochs=1)
    train(cfg, str(tmp_path), progress=False, plots=False)
    pointer = tmp_path / "checkpoints" / "latest.json"
    meta = json.loads(pointer.read_text())
    meta["shuffle_rng"] = {"mt19937_state": "00" * 5056}
    pointer.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="is damaged: its random state is unusable"):
        train(TrainConfig(dataset="xor", epochs=2), str(tmp_path), progress=False, plots=False, resume=True)
