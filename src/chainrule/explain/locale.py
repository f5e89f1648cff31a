"""Per-language message files (``locales/<lang>.toml``): every word a renderer prints lives there.

A message is a ``str.format`` template: ``"{name} changed {ratio}× less"``.  Keys are dotted paths
(``forward.weighted_sum``).  A missing key in a non-English file falls back to English.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LANGS = ("en", "ko")
_DIR = Path(__file__).with_name("locales")


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


def _flatten(table: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


class Messages:
    def __init__(self, lang: str, table: dict, fallback=None):
        self.lang = lang
        self._table = table
        self._fallback = fallback

    def get(self, key: str) -> str:
        if key in self._table:
            return self._table[key]
        if self._fallback is not None:
            return self._fallback.get(key)
        raise KeyError(f"message {key!r} is missing from locales/{self.lang}.toml")

    def has(self, key: str) -> bool:
        return key in self._table or (self._fallback is not None and self._fallback.has(key))

    def keys(self):
        return self._table.keys()


@lru_cache(maxsize=None)
def messages(lang: str = "en") -> Messages:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    with open(_DIR / f"{lang}.toml", "rb") as f:
        table = _flatten(_toml().load(f))
    return Messages(lang, table, None if lang == "en" else messages("en"))


def diagram_words(lang="en"):
    """The network diagram's headings and legend in ``lang`` (a language code or a ``Messages``), from
    the ``[diagram]`` messages, for ``chainrule.viz.network.draw_network(..., words=...)``."""
    from dataclasses import fields

    from ..viz.network import DiagramWords
    m = lang if isinstance(lang, Messages) else messages(lang)
    return DiagramWords(**{f.name: m.get(f"diagram.{f.name}") for f in fields(DiagramWords)})
