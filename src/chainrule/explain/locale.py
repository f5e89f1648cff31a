"""Per-language message files (``locales/<lang>.toml``): every word a renderer prints lives there.

A message is a ``str.format`` template: ``"{name} changed {ratio}× less"``.  Keys are dotted paths
(``forward.weighted_sum``).  A missing key in a non-English file falls back to English.  A word that
depends on a count names the count and its two forms, ``{n|sample|samples}``; one that depends on a value
lists them, ``{reduction|mean=평균|sum=합}``; a Korean particle after a placeholder is written as a pair,
``{unit}은(는)``, and fits how the value is read (``render/korean.py``):

    >>> Template("Input and target ({n} {n|sample|samples}):").format_map({"n": 1})
    'Input and target (1 sample):'
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_CHOICE = re.compile(r"\{(\w+)((?:\|[^{}|]*)+)\}")


def _plural(template: str, values) -> str:
    """``{n|sample|samples}`` by the count ``n``; ``{reduction|mean=평균|sum=합}`` by the value."""
    def word(m):
        n = values.get(m.group(1)) if hasattr(values, "get") else None
        options = m.group(2)[1:].split("|")
        if all("=" in o for o in options):
            chosen = dict(o.split("=", 1) for o in options)
            return chosen.get(str(n), str(n))
        if len(options) != 2:
            return m.group(0)
        if isinstance(n, str) and n.strip().isdigit():
            n = int(n)
        return options[0] if isinstance(n, (int, float)) and not isinstance(n, bool) and n == 1 else options[1]
    return _CHOICE.sub(word, template)


def _resolved(template: str, values) -> str:
    from .render.korean import particles
    return particles(_plural(template, values), values) if hasattr(values, "get") else _plural(template, values)


class Template(str):
    """A message: ``str.format`` with ``{n|one|other}`` chosen by the count ``n`` first."""

    def format_map(self, values):
        return str.format_map(_resolved(self, values), values)

    def format(self, *args, **values):
        return str.format(_resolved(self, values), *args, **values)

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
            v = self._table[key]
            return Template(v) if isinstance(v, str) else v
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
