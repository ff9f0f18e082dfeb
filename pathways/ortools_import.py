"""OR-Tools' CP-SAT module, imported without pandas when nothing else has imported pandas.

``ortools.sat.python.cp_model`` imports pandas at its top for its ``*_series`` helpers, which
Pathways never calls; pandas (with pyarrow) is most of the module's import time — about
0.3 s of a CLI command that needs the general solver, against a 0.4 s budget for the whole
command. :func:`load_cp_model` imports the module with the same code and the same result, except
that pandas is imported only if a function of the module ever reads it:

* the module's code runs with a private ``__import__`` (in the module's own ``__builtins__``,
  never the process's) that answers ``import pandas`` with a stand-in while the module is
  being executed, and hands every other import to Python's own;
* while the module is executed, the stand-in gives placeholder classes for ``pd.Index`` and
  ``pd.Series`` — the only pandas names ``cp_model`` reads at import time (in type aliases
  and annotations, checked for OR-Tools 9.15); any other name imports the real pandas;
* afterwards the module's ``pd`` is a proxy that imports the real pandas on first use, so a
  function of ``cp_model`` that does use pandas gets the real thing;
* ``sys.modules`` never holds the stand-in: any other code importing pandas gets pandas.

The ordinary import is used instead when pandas is already imported (nothing to save), when
``PATHWAYS_PLAIN_ORTOOLS_IMPORT`` is set to a non-empty value, or when anything in the private
path fails; the result is the same module either way.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.util
import os
import sys
import threading
import types
from typing import Any

__all__ = ["load_cp_model", "new_cp_model"]

_NAME = "ortools.sat.python.cp_model"
_lock = threading.Lock()
_loaded: types.ModuleType | None = None
"""The module once wholly executed: threads read this, never ``sys.modules``, which holds the
module while its code still runs (another thread must not see it half made)."""


class _Placeholder:
    """Stands for ``pd.Index`` / ``pd.Series`` in annotations while cp_model is imported."""


class _LazyPandas(types.ModuleType):
    """``pandas``, imported on first attribute access; placeholders for Index and Series
    while ``importing`` is true."""

    def __init__(self) -> None:
        super().__init__("pandas")
        self.importing = True

    def __getattr__(self, name: str) -> Any:
        if self.importing and name in ("Index", "Series"):
            return _Placeholder
        return getattr(importlib.import_module("pandas"), name)


def _import_without_pandas() -> types.ModuleType:
    spec = importlib.util.find_spec(_NAME)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {_NAME!r}")
    stand_in = _LazyPandas()
    real_import = builtins.__import__

    def private_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas" and stand_in.importing:
            return stand_in
        return real_import(name, *args, **kwargs)

    module = importlib.util.module_from_spec(spec)
    module.__dict__["__builtins__"] = {**builtins.__dict__, "__import__": private_import}
    sys.modules[_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(_NAME, None)
        raise
    finally:
        stand_in.importing = False
    if getattr(module, "pd", None) is not stand_in:  # a layout this module does not know
        sys.modules.pop(_NAME, None)
        raise ImportError("cp_model did not import pandas as pd")
    parent: Any = sys.modules["ortools.sat.python"]
    parent.cp_model = module  # as the import system does for a submodule
    return module


def load_cp_model() -> types.ModuleType:
    """``ortools.sat.python.cp_model`` (imported once; see the module docstring). Safe from
    any thread: a caller gets the module only once its code has run to the end."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        module: types.ModuleType | None = None
        found = sys.modules.get(_NAME)
        if found is not None and not getattr(found.__spec__, "_initializing", False):
            module = found  # imported the ordinary way, and finished
        elif "pandas" not in sys.modules and not os.environ.get("PATHWAYS_PLAIN_ORTOOLS_IMPORT"):
            try:
                module = _import_without_pandas()
            except Exception:  # the private path failed: the ordinary import decides
                sys.modules.pop(_NAME, None)
        _loaded = module if module is not None else importlib.import_module(_NAME)
        return _loaded


@functools.cache
def _model_class() -> type:
    cp_model: Any = load_cp_model()

    class Model(cp_model.CpModel):  # type: ignore[misc]
        """``CpModel`` without the pre-PEP 8 aliases."""

        def _add_pre_pep8_methods(self) -> None:
            """Add none: Pathways calls only the snake_case methods."""

    return Model


def new_cp_model() -> Any:
    """A new, empty ``cp_model.CpModel`` without the camelCase aliases (``AddImplication``
    for ``add_implication``, …) that OR-Tools' constructor sets on every instance: some
    sixty wrapped attributes, about a millisecond per model, for names Pathways never
    calls. Everything else is the ordinary model."""
    return _model_class()()
