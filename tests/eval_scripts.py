"""A script of ``eval/`` imported as a module, for its tests."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EVAL = Path(__file__).resolve().parents[1] / "eval"
sys.path.insert(0, str(EVAL))  # the scripts' shared frame (eval/_script.py), as when run


def load(name: str) -> ModuleType:
    """``eval/NAME.py`` as the module ``NAME`` (registered in ``sys.modules``: dataclasses
    and pickles look their module up by name)."""
    spec = importlib.util.spec_from_file_location(name, EVAL / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
