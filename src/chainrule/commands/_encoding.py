"""Output a terminal can show: an ASCII rendering of the math when the output's encoding cannot carry it.

A Korean Windows console (cp949), ``PYTHONIOENCODING=ascii`` or a file opened in latin-1 cannot encode
``═``, ``σ₁`` or ``✓``.  Rather than die with ``UnicodeEncodeError``, every command's standard output and
error go through :class:`Guarded`, which writes what the encoding can carry as it is and spells the rest
in ASCII (``--ascii`` asks for that rendering everywhere):

    >>> to_ascii("σ₁ = 1 / (1 + exp(−z₁))  ✓")
    'sigma1 = 1 / (1 + exp(-z1))  [ok]'
    >>> to_ascii("∂L/∂W₅ = −0.0162,  W⁽¹⁾₁₂,  10⁻⁶,  ŷ")
    'dL/dW5 = -0.0162,  W^(1)12,  10^-6,  y_hat'
"""
from __future__ import annotations

import codecs
import io
import re
import sys
import unicodedata

_SUB = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"
_SUB_ASCII = "0123456789+-=()aehijklmnoprstuvx"
_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀᵗⁱʲᶻ"
_SUP_ASCII = "0123456789+-=()nTtijz"

WORDS = {
    "σ": "sigma", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "eps", "η": "eta",
    "θ": "theta", "λ": "lambda", "μ": "mu", "π": "pi", "τ": "tau", "φ": "phi", "Φ": "Phi", "Σ": "sum ",
    "Δ": "Delta", "ℓ": "l", "ŷ": "y_hat", "∂": "d", "−": "-", "–": "-", "—": "--", "×": "x", "·": "*",
    "⊙": " (*) ", "√": "sqrt", "‖": "||", "…": "...", "→": "->", "←": "<-", "↔": "<->", "≈": "~=",
    "≤": "<=", "≥": ">=", "≠": "!=", "±": "+/-", "½": "1/2", "¼": "1/4", "∞": "inf", "✓": "[ok]",
    "✗": "[wrong]", "†": "~", "═": "=", "─": "-", "━": "-", "│": "|", "•": "*", "°": "deg", "’": "'",
    "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "\u0302": "_hat", "ᵀ": "^T", "⋯": "...", "∑": "sum ",
    "∈": " in ", "⟨": "<", "⟩": ">", "⌈": "ceil(", "⌉": ")", "⌊": "floor(", "⌋": ")",
}
_RUN = re.compile(f"[{_SUB}]+|[{_SUP}]+")


def _run(m) -> str:
    s = m.group(0)
    if s[0] in _SUB:
        return s.translate(str.maketrans(_SUB, _SUB_ASCII))
    plain = s.translate(str.maketrans(_SUP, _SUP_ASCII))
    if plain == "T":
        return "^T"
    return "^" + plain


def to_ascii(text: str) -> str:
    """``text`` spelled in ASCII: subscripts as digits (``x1``), superscripts after ``^``, Greek letters
    by name (``sigma1``), ``∂`` as ``d``, ``✓`` as ``[ok]``, box rules as ``=``/``-``.  A character with
    no spelling of its own loses its accents (``é`` → ``e``) or becomes ``?``."""
    text = _RUN.sub(_run, text)
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
        elif c in WORDS:
            out.append(WORDS[c])
        else:
            plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if ch.isascii())
            out.append(plain or "?")
    return "".join(out)


def encoding_of(stream) -> str:
    enc = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(enc).name
    except LookupError:
        return "utf-8"


def can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def fit(text: str, encoding: str) -> str:
    """``text`` as ``encoding`` can carry it: unchanged where it can, in ASCII (:func:`to_ascii`) where
    it cannot (a cp949 console keeps its Korean and gets ``=`` rules for ``═``)."""
    if can_encode(text, encoding):
        return text
    out, bad = [], []
    for c in text:
        if can_encode(c, encoding):
            if bad:
                out.append(to_ascii("".join(bad)))
                bad = []
            out.append(c)
        else:
            bad.append(c)
    if bad:
        out.append(to_ascii("".join(bad)))
    return "".join(out)


class Guarded(io.TextIOBase):
    """A text stream in front of ``stream`` that never raises ``UnicodeEncodeError``: what its encoding
    cannot carry is written in ASCII; with ``force`` everything is."""

    def __init__(self, stream, force: bool = False):
        self._stream = stream
        self.force = force

    @property
    def encoding(self):
        return "ascii" if self.force else getattr(self._stream, "encoding", None)

    def write(self, s):
        if self.force:
            s = to_ascii(s)
        else:
            s = fit(s, encoding_of(self._stream))
        return self._stream.write(s)

    def writable(self):
        return True

    def flush(self):
        return self._stream.flush()

    def fileno(self):
        return self._stream.fileno()

    def isatty(self):
        return self._stream.isatty()

    def __getattr__(self, name):        # buffer, errors, … of the real stream
        return getattr(self._stream, name)


def guard_streams():
    """Put :class:`Guarded` in front of ``sys.stdout`` and ``sys.stderr``; returns a function that puts
    the original streams back."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Guarded(sys.stdout), Guarded(sys.stderr)

    def restore():
        for guarded in (sys.stdout, sys.stderr):
            if isinstance(guarded, Guarded):
                try:
                    guarded.flush()
                except (OSError, ValueError):
                    pass
        sys.stdout, sys.stderr = saved
    return restore


def force_ascii() -> None:
    """``--ascii``: every later write to standard output and error is spelled in ASCII."""
    for s in (sys.stdout, sys.stderr):
        if isinstance(s, Guarded):
            s.force = True


def forced() -> bool:
    return isinstance(sys.stdout, Guarded) and sys.stdout.force


def cannot_show_korean(stream) -> bool:
    """True when ``stream`` (forced to ASCII, or in an encoding without Hangul) cannot show Korean."""
    if isinstance(stream, Guarded) and stream.force:
        return True
    return not can_encode("한국어", encoding_of(stream))
