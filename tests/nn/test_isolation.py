"""lstmlab.nn depends on torch and the standard library only, never on the rest of lstmlab."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import lstmlab.nn

PACKAGE_DIR = Path(lstmlab.nn.__file__).parent


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_nn_imports_only_torch_stdlib_and_itself():
    files = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            allowed = top in ("torch", "__future__") or top in sys.stdlib_module_names
            allowed = allowed or module == "lstmlab.nn" or module.startswith("lstmlab.nn.")
            assert allowed, f"{path.name} imports {module}"
