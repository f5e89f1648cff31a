"""Run code that says ``import torch`` on chainrule: every ``torch`` module it imports is chainrule's.

    with TorchShim():
        import torch, torch.nn as nn, torch.nn.functional as F
        from torch.utils.data import DataLoader          # chainrule.utils.data.DataLoader

While the shim is active, ``torch`` and ``torch.<sub>`` resolve to ``chainrule`` and ``chainrule.<sub>``
(a finder at the front of ``sys.meta_path``; real torch modules already imported are set aside and put
back on exit).  Each module is wrapped in a facade that delegates every attribute to the chainrule module,
so classes and functions are chainrule's own; what chainrule lacks fails where it is used, naming it:

    torch.linalg.svd  →  AttributeError: torch.linalg.svd is not part of chainrule; torch.linalg provides: …
    import torch.distributed  →  ModuleNotFoundError: torch.distributed is not part of chainrule; …
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import pkgutil
import sys
import types


#: chainrule's own top-level modules, which are not PyTorch API: ``import torch.viz`` is not chainrule's viz
CHAINRULE_ONLY = frozenset({"cli", "commands", "explain", "viz", "io", "interop", "tensor_methods", "factories",
                            "functions", "dtypes", "device", "tensor", "ops", "teach", "playground", "onnx"})


class MissingTorchAPI(AttributeError, RuntimeError):
    """A PyTorch name chainrule does not provide (an AttributeError, so ``hasattr`` keeps working)."""


def _public(module) -> list:
    """The names a user of ``module`` may use: its ``__all__``, else its public callables, classes and values
    (not the modules, ``from __future__`` features and type variables it happens to hold)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)
                 and type(v).__module__ not in ("__future__", "typing")]
    return sorted(set(names))


def _listing(names: list, limit: int = 40) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


class TorchFacade(types.ModuleType):
    """``torch.<path>`` served by a chainrule module: attributes delegate; submodules get facades too."""

    def __init__(self, shim: "TorchShim", torch_name: str, module):
        super().__init__(torch_name, getattr(module, "__doc__", None))
        object.__setattr__(self, "_shim", shim)
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "__file__", getattr(module, "__file__", None))
        object.__setattr__(self, "__path__", getattr(module, "__path__", []))

    def __getattr__(self, name):
        module = object.__getattribute__(self, "_module")
        torch_name = object.__getattribute__(self, "__name__")
        try:
            value = getattr(module, name)
        except AttributeError:
            sub = self._shim.facade(f"{torch_name}.{name}", missing_ok=True)
            if sub is not None:
                return sub
            if name.startswith("__"):
                raise AttributeError(name) from None
            raise MissingTorchAPI(f"{torch_name}.{name} is not part of chainrule; {torch_name} provides: "
                                  f"{_listing(_public(module))}") from None
        if isinstance(value, types.ModuleType) and value.__name__.startswith("chainrule"):
            return self._shim.facade(f"{torch_name}.{name}", module=value)
        return value

    def __setattr__(self, name, value):       # `torch.backends.cudnn.deterministic = True` reaches chainrule's
        if name.startswith("__"):              # the import system's own (__spec__, __package__ …) stay on the facade
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, "_module"), name, value)

    def __dir__(self):
        return _public(object.__getattribute__(self, "_module"))

    def __repr__(self):
        return f"<module '{self.__name__}' (chainrule's {object.__getattribute__(self, '_module').__name__})>"


class _Loader(importlib.abc.Loader):
    def __init__(self, shim: "TorchShim"):
        self.shim = shim

    def create_module(self, spec):
        return self.shim.facade(spec.name)

    def exec_module(self, module):
        pass


class TorchShim(importlib.abc.MetaPathFinder):
    """Context manager: ``import torch…`` gives chainrule inside the block; the previous state comes back after."""

    def __init__(self):
        self._facades: dict = {}
        self._saved: dict = {}

    # -- the finder ----------------------------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        self.facade(fullname)                 # raises ModuleNotFoundError naming what is missing
        return importlib.machinery.ModuleSpec(fullname, _Loader(self), is_package=True)

    def facade(self, torch_name: str, module=None, missing_ok: bool = False):
        """The facade for ``torch_name`` (``torch.nn.functional`` → ``chainrule.nn.functional``), made once."""
        if torch_name in self._facades:
            return self._facades[torch_name]
        if module is None:
            chainrule_name = "chainrule" + torch_name[len("torch"):]
            try:
                top = torch_name.split(".")[1] if "." in torch_name else ""
                found = None if top in CHAINRULE_ONLY else importlib.util.find_spec(chainrule_name)
            except ModuleNotFoundError:
                found = None
            if found is None:
                if missing_ok:
                    return None
                parent = torch_name.rpartition(".")[0] or "torch"
                raise ModuleNotFoundError(
                    f"No module named '{torch_name}': {torch_name} is not part of chainrule (chainrule serves "
                    f"{_listing(self._served(parent))})", name=torch_name)
            module = importlib.import_module(chainrule_name)
        facade = self._facades[torch_name] = TorchFacade(self, torch_name, module)
        return facade

    @staticmethod
    def _served(parent: str) -> list:
        base = importlib.import_module("chainrule" + parent[len("torch"):])
        subs = [m.name for m in pkgutil.iter_modules(getattr(base, "__path__", []))
                if not m.name.startswith("_") and not (parent == "torch" and m.name in CHAINRULE_ONLY)]
        return [parent] + [f"{parent}.{s}" for s in sorted(subs)]

    # -- the context --------------------------------------------------------------------------------
    def __enter__(self):
        self._saved = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
        for n in self._saved:
            del sys.modules[n]
        sys.meta_path.insert(0, self)
        return self

    def __exit__(self, *exc):
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for n in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
            del sys.modules[n]
        sys.modules.update(self._saved)
        return False
