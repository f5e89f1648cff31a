"""Korean particles that fit how a symbol is read aloud, and each English gloss only at its first use.

A Korean sentence writes the particle pair after a placeholder, ``"{unit}은(는) …"``, and the particle is
chosen by the last sound of the symbol as a Korean student reads it: ``σ₁`` is 시그마 일 (일 ends in a
consonant: 은, 을, 이, 과, 로), ``W₂`` is 더블유 이 (는, 를, 가, 와, 로), ``z₃`` 제트 삼 (은, 으로):

    >>> particles("{unit}은(는) 다음 계층으로", {"unit": Sym("σ", "1")})
    '{unit}은 다음 계층으로'
    >>> particles("{unit}을(를) 곱합니다", {"unit": Sym("W", "2")})
    '{unit}를 곱합니다'

Glosses — ``활성화 함수(Activation Function)`` — follow the lecture: the English term in parentheses the
first time the Korean term appears in a document, the Korean alone after that (:func:`gloss_once`).
"""
from __future__ import annotations

import re

from .. import derivation as D
from ..derivation import Sym  # noqa: F401  (the examples above)


_LATIN = {"a": "에이", "b": "비", "c": "씨", "d": "디", "e": "이", "f": "에프", "g": "지", "h": "에이치",
          "i": "아이", "j": "제이", "k": "케이", "l": "엘", "m": "엠", "n": "엔", "o": "오", "p": "피",
          "q": "큐", "r": "알", "s": "에스", "t": "티", "u": "유", "v": "브이", "w": "더블유", "x": "엑스",
          "y": "와이", "z": "제트"}
_GREEK = {"σ": "시그마", "α": "알파", "β": "베타", "γ": "감마", "δ": "델타", "ε": "엡실론", "η": "에타",
          "θ": "세타", "λ": "람다", "μ": "뮤", "π": "파이", "τ": "타우", "φ": "파이", "Φ": "파이", "ℓ": "엘",
          "Σ": "시그마", "∂": "델", "ŷ": "와이햇"}
_DIGITS = "영일이삼사오육칠팔구"


def _number(n: int) -> str:
    """How an integer is read (the last syllable is what matters): 12 → 십이, 10 → 십, 100 → 백."""
    if n == 0:
        return "영"
    out = ""
    for value, word in ((10000, "만"), (1000, "천"), (100, "백"), (10, "십")):
        if n >= value:
            q, n = divmod(n, value)
            out += ("" if q == 1 else _number(q)) + word
    return out + (_DIGITS[n] if n else "")


def _read_text(s: str) -> str:
    """The Korean reading of the end of a written symbol or number (``W₅(2)``, ``x1``, ``0.25``)."""
    s = s.strip()
    m = re.search(r"(\d+)\D*$", s)
    tail = s[m.end(1):] if m else s
    if m and not re.search(r"[A-Za-zα-ωΑ-Ωℓ]", tail):
        return _number(int(m.group(1)[-5:]))
    for c in reversed(s):
        low = c.lower()
        if low in _LATIN:
            return _LATIN[low]
        if c in _GREEK:
            return _GREEK[c]
        if "\uac00" <= c <= "\ud7a3":
            return c
    return ""


def reading(value) -> str:
    """The last spoken part of a parameter: a symbol (read with its subscript, sample and step), a
    number, or a word."""
    if isinstance(value, D.Sym):
        for part in (value.time, value.sample):
            if part is not None:
                return _read_text(str(part))
        if isinstance(value.sub, D.Sym):
            return reading(value.sub)
        if value.sub:
            return _read_text(value.sub)
        return _read_text(value.base) + ("햇" if value.hat else "")
    if isinstance(value, D.Num):
        return _read_text(f"{value.value:g}")
    if isinstance(value, D.Expr):        # an expression is read to its end: its right side, last term, …
        for attr in ("right", "den", "arg"):
            part = getattr(value, attr, None)
            if isinstance(part, D.Expr):
                return reading(part)
        for attr in ("terms", "factors", "items", "args"):
            parts = getattr(value, attr, None)
            if parts:
                return reading(parts[-1])
        return ""
    return _read_text(str(value))


def _final(word: str):
    """The final consonant of the last syllable: None (a vowel), 'ㄹ', or another consonant."""
    if not word:
        return None
    c = word[-1]
    if not "\uac00" <= c <= "\ud7a3":
        return None
    jong = (ord(c) - 0xAC00) % 28
    return None if jong == 0 else ("ㄹ" if jong == 8 else "other")


#: particle pair as written in a message → (after a consonant, after a vowel); (으)로 also takes 로 after ㄹ
PAIRS = {"은(는)": ("은", "는"), "이(가)": ("이", "가"), "을(를)": ("을", "를"), "과(와)": ("과", "와"),
         "(으)로": ("으로", "로"), "이다": ("이다", "다")}
_PAIR = re.compile(r"\{(\w+)\}(은\(는\)|이\(가\)|을\(를\)|과\(와\)|\(으\)로)")


def particles(template: str, params: dict) -> str:
    """``template`` with each ``{name}은(는)``-style pair resolved by how ``params[name]`` is read."""
    def pick(m):
        name, pair = m.group(1), m.group(2)
        if name not in params:
            return m.group(0)
        final = _final(reading(params[name]))
        consonant, vowel = PAIRS[pair]
        if pair == "(으)로":
            word = consonant if final == "other" else vowel
        else:
            word = vowel if final is None else consonant
        return "{" + name + "}" + word
    return _PAIR.sub(pick, template)


_GLOSS = re.compile(r"(?<=[\uac00-\ud7a3])\(([A-Z][A-Za-z]*(?:[ -][A-Za-z]+)*)\)")


class GlossOnce:
    """Strips an English gloss — ``(Activation Function)`` right after Korean — after its first use."""

    def __init__(self):
        self.seen = set()

    def __call__(self, text: str) -> str:
        def keep(m):
            gloss = m.group(1)
            if gloss in self.seen:
                return ""
            self.seen.add(gloss)
            return m.group(0)
        return _GLOSS.sub(keep, text)


def gloss_once(text: str) -> str:
    """A whole document with each gloss kept at its first use only."""
    return GlossOnce()(text)
