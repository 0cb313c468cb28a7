"""Package attributes imported on first use (PEP 562), so importing one module of a package doesn't import
them all: `refbot.models` and `refbot.matching` use it (start-up time, bench/bench_startup.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any


def submodule(package: str, module: str) -> Any:
    # The import statement rather than importlib.import_module, so `python -X importtime` shows the module.
    __import__(f"{package}.{module}")
    return sys.modules[f"{package}.{module}"]


def attributes(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: `where` maps each name to the submodule that defines it."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(submodule(package, module), name)
        namespace[name] = value  # once
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__
