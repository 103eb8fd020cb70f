"""Lazy exports (PEP 562): a package's public names load on first access.

A package lists its exports ONCE, as relative imports inside an
`if TYPE_CHECKING:` block of its `__init__.py`:

    if TYPE_CHECKING:
        from . import constraints as constraints
        from .continuous._normal import Normal as Normal
        Distribution = AbstractDistribution  # an alias: same object, second name

Type checkers and the docs (griffe) read those imports statically. At run time the
block is skipped and `attach` parses it into a table `{exported name: (module,
attribute)}`; the package's `__getattr__` imports the module of a name when the name
is first looked up and caches the object in the package namespace. So
`import eqdist` imports neither Equinox nor any distribution, and `eqdist.Normal`
imports only what Normal needs. `__all__` and `__dir__` come from the same table, so
`from eqdist import *`, `dir(eqdist)` and the docs always see every name. Under an
import hook that instruments the package (jaxtyping's runtime type checking), every
export loads at once instead, while the hook can still instrument it.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Callable


def lazy_table(source: str, filename: str) -> dict[str, tuple[str, str | None]]:
    """`{exported name: (relative module, attribute or None for a submodule)}` from
    the relative imports in the top-level `if TYPE_CHECKING:` block of `source`."""
    table: dict[str, tuple[str, str | None]] = {}
    for node in ast.parse(source, filename).body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for statement in node.body:
            if _is_alias(statement) and statement.value.id in table:
                # `Alias = Name`, Name exported above: a second name, same object.
                table[statement.targets[0].id] = table[statement.value.id]
                continue
            if not (isinstance(statement, ast.ImportFrom) and statement.level > 0):
                raise SyntaxError(
                    f"{filename}, line {statement.lineno}: the `if TYPE_CHECKING:` "
                    "block lists the lazy exports and may hold only relative "
                    "`from .module import Name as Name` imports and `Alias = Name` "
                    "for a Name imported above it."
                )
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                exported = alias.asname or alias.name
                if exported in table:
                    raise SyntaxError(
                        f"{filename}, line {statement.lineno}: `{exported}` is "
                        "exported twice."
                    )
                if statement.module is None:  # `from . import submodule`
                    table[exported] = (module + alias.name, None)
                else:
                    table[exported] = (module, alias.name)
    return table


def _is_alias(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Name)
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def attach(
    package: str,
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """`(__getattr__, __dir__, __all__)` for `package`, from its lazy table.

    Call it from the package's `__init__.py`, which must already be in
    `sys.modules` (it is while it runs)."""
    module = sys.modules[package]
    spec = module.__spec__
    source = spec.loader.get_source(spec.name) if spec and spec.loader else None
    if source is None:
        raise ImportError(f"{package}: no source to read its lazy exports from.")
    table = lazy_table(source, module.__file__ or package)
    namespace = vars(module)

    def __getattr__(name: str) -> object:
        try:
            where, attribute = table[name]
        except KeyError:
            raise AttributeError(
                f"module {package!r} has no attribute {name!r}"
            ) from None
        # `__import__`, unlike `importlib.import_module`, goes through the C import
        # path that `python -X importtime` reports.
        absolute = importlib.util.resolve_name(where, package)
        __import__(absolute)
        value = sys.modules[absolute]
        if attribute is not None:
            value = getattr(value, attribute)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    if _under_import_hook(package):
        # jaxtyping's hook (`with install_import_hook("eqdist", ...): import eqdist`)
        # instruments only the modules imported while it is installed: loading the
        # exports later, after the `with` block, would silently skip the checks.
        namespace["__getattr__"] = __getattr__
        for name in table:
            __getattr__(name)
    return __getattr__, __dir__, sorted(table)


def _under_import_hook(package: str) -> bool:
    """Whether an import hook that instruments `package` (jaxtyping's, which lists
    the instrumented packages in `modules`) is installed right now."""
    for finder in sys.meta_path:
        modules = getattr(finder, "modules", None)
        if isinstance(modules, (list, tuple, set)) and any(
            isinstance(m, str) and (package == m or package.startswith(m + "."))
            for m in modules
        ):
            return True
    return False
