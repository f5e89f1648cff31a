r"""``MultiheadAttention``: attention with H heads over learned projections (PyTorch's parameters and init).

    q = query·W_qᵀ + b_q,   k = key·W_kᵀ + b_k,   v = value·W_vᵀ + b_v     (stacked in ``in_proj_weight``)
    head h (d = embed_dim / H columns each):   oₕ = softmax(qₕ·kₕᵀ / √d + M)·vₕ
    out = [o₁ … o_H]·W_oᵀ + b_o                                            (``out_proj``)

M is −∞ where ``attn_mask`` (bool) is True or ``key_padding_mask`` marks a padded key, or the float
``attn_mask`` itself.  The forward is ``nn.functional.multi_head_attention_forward``.
"""
from __future__ import annotations

from ... import factories
from ...tensor import Parameter
from .. import functional as F, init
from ..module import Module
from .linear import Linear

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (its quantisation marker)."""


class MultiheadAttention(Module):
    r"""Multi-head attention (Vaswani et al.): ``attn_output, attn_weights = mha(query, key, value)``.

    Shapes (L target length, S source length, N batch, E = embed_dim): query (L, N, E), key (S, N, kdim),
    value (S, N, vdim) — (N, L, E) … with ``batch_first`` — or unbatched (L, E) …;
    key_padding_mask (N, S) (True / −∞ = ignore that key); attn_mask (L, S) or (N·num_heads, L, S)
    (bool: True = not allowed; float: added to the scores) → attn_output like query,
    attn_weights (N, L, S) averaged over heads ((N, num_heads, L, S) with ``average_attn_weights=False``),
    or None with ``need_weights=False``.

    Parameters: ``in_proj_weight`` (3E, E) = [W_q; W_k; W_v] (or ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight`` when kdim/vdim differ from E), ``in_proj_bias`` (3E,), ``out_proj`` (Linear E → E),
    ``bias_k``, ``bias_v`` (1, 1, E) with ``add_bias_kv``.  Init: xavier_uniform_ for the projections,
    zero biases (``out_proj.weight`` keeps Linear's init), xavier_normal_ for bias_k/bias_v.

    Example::

        >>> mha = nn.MultiheadAttention(8, 2)
        >>> x = torch.randn(5, 3, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (chainrule.Size([5, 3, 8]), chainrule.Size([3, 5, 5]))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(factories.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(factories.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(factories.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(factories.empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(factories.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(factories.empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(factories.empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/bias_v (PyTorch's order)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        for name, t in (("query", query), ("key", key), ("value", value)):
            F._t(t, name)
        is_batched = query.dim() == 3
        dt = query._data.dtype
        key_padding_mask = F._canonical_mask(key_padding_mask, "key_padding_mask",
                                             None if attn_mask is None else attn_mask._data.dtype, "attn_mask", dt)
        attn_mask = F._canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights
