"""Answer keys (``chainrule exercise`` writes them, ``chainrule check --key KEY`` grades against them).

A key is JSON (schema ``chainrule-key/1``) that carries its own model, so grading reruns the real step and
every diagnosis is available, not only the numbers::

    {"schema": "chainrule-key/1", "kind": "mlp", "seed": 7, "variant": 1, "steps": 1, "of": null,
     "decimals": 4, "model": {"name": "model.toml", "text": "layers = [2, 2, 1] …"},
     "questions": [{"name": "z1", "value": 0.6478}, {"name": "dL/dW1", "value": -0.0162}, …]}
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

SCHEMA = "chainrule-key/1"


class KeyFileError(ValueError):
    """An answer key that cannot be used; the message names the file and the field."""


@dataclass
class Key:
    path: str
    data: dict

    @property
    def expect(self) -> list:
        return [q["name"] for q in self.data["questions"]]

    def problem(self):
        """The ``Problem`` of the key's model (written to a private temporary folder, then run)."""
        cached = self.__dict__.get("_problem")
        if cached is not None:
            return cached
        from .api import problem_of
        m = self.data["model"]
        with tempfile.TemporaryDirectory(prefix="chainrule-key-") as tmp:
            path = os.path.join(tmp, os.path.basename(m["name"]))
            with open(path, "w", encoding="utf-8") as f:
                f.write(m["text"])
            problem = problem_of(path, steps=int(self.data.get("steps", 1)), of=self.data.get("of"))
        self.__dict__["_problem"] = problem
        return problem


def load_key(path: str) -> Key:
    from .reading import printable
    shown = printable(path)
    if not os.path.isfile(path):
        raise KeyFileError(f"{shown}: no such answer key (chainrule exercise writes one: key.json)")
    try:
        with open(path, "rb") as f:
            raw = f.read(5_000_001)
        if len(raw) > 5_000_000:
            raise KeyFileError(f"{shown}: too large for an answer key (at most 5 MB)")
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise KeyFileError(f"{shown}: not an answer key (not JSON: {e}); chainrule exercise writes key.json") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise KeyFileError(f"{shown}: not an answer key: the field schema must be {SCHEMA!r}")
    m = data.get("model")
    if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not isinstance(m.get("text"), str):
        raise KeyFileError(f"{shown}: the field model must be {{\"name\": …, \"text\": …}} (the model file it grades "
                           f"against)")
    qs = data.get("questions")
    if not isinstance(qs, list) or not all(isinstance(q, dict) and isinstance(q.get("name"), str) for q in qs):
        raise KeyFileError(f"{shown}: the field questions must be a list of {{\"name\": …, \"value\": …}}")
    return Key(path, data)


def write_key(path: str, data: dict) -> None:
    from ..io.atomic import write_text
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
