"""The lint rules, one module per family; importing this package registers them all (every module in it)."""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")
