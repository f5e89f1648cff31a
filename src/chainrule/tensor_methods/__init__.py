"""The method families of ``chainrule.Tensor``, one module each; ``Tensor`` inherits every mixin.

    arithmetic   + - * / ** @ // %, add/sub/mul/div, mm/bmm/dot, maximum/minimum
    comparison   == != < <= > >=, & | ^ ~, logical_*, isnan/isinf, any/all, nonzero
    ordering     argmax/argmin, sort/argsort, topk
    unary        exp, log, tanh, sigmoid, relu, abs, rounding, clamp …
    masking      where, masked_fill, tril/triu
    reduction    sum, mean, prod, max/min, var/std, norm, logsumexp, softmax, cumsum
    shape        reshape/view, squeeze/unsqueeze, transpose/permute, expand, repeat, split/chunk
    indexing     x[i], x[i] = v, select, narrow, index_select, gather
    in_place     add_, mul_, zero_, copy_, += … and ``_in_place``, which writes results back
    random       uniform_, normal_, bernoulli_, exponential_, random_, bernoulli, multinomial (PyTorch's stream)
    new_tensors  new_zeros, new_ones, new_full, new_tensor

Each mixin has ``__slots__ = ()``, so ``Tensor``'s slots and attribute access are as if the methods
were written in its class body.  The families create and recognise tensors (``Tensor._make``,
``isinstance(x, Tensor)``) but cannot import the class that inherits them: ``bind(Tensor)`` hands
it to them once ``chainrule.tensor`` has defined it.
"""
from . import arithmetic, common, comparison, in_place, indexing, masking, ordering, random, reduction, shape, unary
from .arithmetic import ArithmeticMixin
from .comparison import ComparisonMixin
from .in_place import InPlaceMixin
from .indexing import IndexingMixin
from .masking import MaskingMixin
from .new_tensors import NewTensorMixin
from .ordering import OrderingMixin
from .random import RandomMixin
from .reduction import ReductionMixin
from .shape import ShapeMixin
from .unary import UnaryMathMixin

__all__ = ["ArithmeticMixin", "ComparisonMixin", "InPlaceMixin", "IndexingMixin", "MaskingMixin", "NewTensorMixin",
           "OrderingMixin", "RandomMixin", "ReductionMixin", "ShapeMixin", "UnaryMathMixin", "bind"]

_USES_TENSOR = (arithmetic, common, comparison, in_place, indexing, masking, ordering, random, reduction, shape,
                unary)


def bind(tensor_class) -> None:
    """Give every family module the ``Tensor`` class (called once, right after it is defined), and name
    the mixed-in methods ``Tensor.add`` rather than ``ArithmeticMixin.add``: Python puts that name in
    call errors (``Tensor.add() got an unexpected keyword argument 'alpah'``) and bound-method reprs."""
    for module in _USES_TENSOR:
        module.Tensor = tensor_class
    for mixin in tensor_class.__mro__[1:-1]:
        for member in vars(mixin).values():
            if callable(member) and hasattr(member, "__code__"):
                member.__qualname__ = f"{tensor_class.__name__}.{member.__name__}"
