"""Hypothesis draws optimizer settings (every flag combination, random hyperparameters); 8 steps must match
PyTorch.  This covers the combinations the hand-picked cases in test_optimizers.py leave out."""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from .harness import compare_training

dtypes = st.sampled_from([np.float64, np.float32])
unit = st.floats(0.0, 0.95)
small = st.sampled_from([0.0, 1e-3, 0.05])


@st.composite
def sgd_options(draw):
    nesterov = draw(st.booleans())
    momentum = draw(st.floats(0.1, 0.95)) if nesterov else draw(st.sampled_from([0.0, 0.5, 0.9]))
    return dict(lr=draw(st.floats(1e-3, 0.2)), momentum=momentum, dampening=0.0 if nesterov else draw(unit),
                weight_decay=draw(small), nesterov=nesterov, maximize=draw(st.booleans()))


@st.composite
def adam_options(draw):
    return dict(lr=draw(st.floats(1e-4, 0.05)), betas=(draw(st.floats(0.0, 0.95)), draw(st.floats(0.5, 0.9999))),
                eps=draw(st.sampled_from([1e-8, 1e-6, 1e-3])), weight_decay=draw(small), amsgrad=draw(st.booleans()),
                maximize=draw(st.booleans()))


@st.composite
def rmsprop_options(draw):
    return dict(lr=draw(st.floats(1e-4, 0.02)), alpha=draw(st.floats(0.5, 0.99)),
                eps=draw(st.sampled_from([1e-8, 1e-4])), weight_decay=draw(small),
                momentum=draw(st.sampled_from([0.0, 0.5, 0.9])), centered=draw(st.booleans()),
                maximize=draw(st.booleans()))


@st.composite
def adagrad_options(draw):
    return dict(lr=draw(st.floats(1e-3, 0.2)), lr_decay=draw(st.sampled_from([0.0, 0.01, 0.3])),
                weight_decay=draw(small), initial_accumulator_value=draw(st.sampled_from([0.0, 0.1, 1.0])),
                eps=draw(st.sampled_from([1e-10, 1e-6])), maximize=draw(st.booleans()))


@given(sgd_options(), dtypes)
def test_sgd(kwargs, dtype):
    compare_training("SGD", kwargs, dtype, steps=8)


@given(adam_options(), dtypes, st.sampled_from(["Adam", "AdamW"]))
def test_adam_and_adamw(kwargs, dtype, name):
    compare_training(name, kwargs, dtype, steps=8)


@given(rmsprop_options(), dtypes)
def test_rmsprop(kwargs, dtype):
    compare_training("RMSprop", kwargs, dtype, steps=8)


@given(adagrad_options(), dtypes)
def test_adagrad(kwargs, dtype):
    compare_training("Adagrad", kwargs, dtype, steps=8)
