"""Section headings numbered in the order they appear: ``1. Setup``, ``2. Matrix form``, ``3. Per-layer
summary`` — never ``1. Setup → Matrix form → 5.`` when a derivation leaves sections out or adds some.

The locale's headings carry no number (one written there anyway is replaced); every top-level section
(level ≤ 2) is numbered, sub-sections (``Layer #2``) are not.
"""
from __future__ import annotations

import re

_NUMBER = re.compile(r"^\s*\d+\.\s*")


def number_of(derivation, section):
    """The section's number among the derivation's top-level sections, or None for a sub-section."""
    if section.level > 2:
        return None
    n = 0
    for s in derivation.sections:
        if s.level <= 2:
            n += 1
        if s is section:
            return n
    return None


def heading(messages, derivation, section) -> str:
    """The section's heading in ``messages``' language, with its number."""
    text = _NUMBER.sub("", messages.get(section.key).format_map(section.params))
    n = number_of(derivation, section)
    return text if n is None else f"{n}. {text}"
