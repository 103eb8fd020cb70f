"""Imports stay cheap: `import eqdist` loads no family and no heavy dependency, a
name loads only what it needs, and the lazy export tables are complete and agree
with `__all__`, `dir()` and the classes defined in the package."""

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import pytest

import eqdist
import eqdist.flows
import eqdist.train
import eqdist.transforms
from eqdist import _lazy

PACKAGES = [eqdist, eqdist.transforms, eqdist.flows, eqdist.train]
HEAVY = ["optax", "tqdm", "matplotlib", "scipy", "numpyro", "flowjax"]

# Run in a fresh interpreter (no import hook, nothing imported yet); prints, as JSON,
# the eqdist modules and heavy modules loaded after each step.
_PROBE = """
import json, sys
import jax
heavy = {heavy!r}
def loaded():
    mods = sorted(m for m in sys.modules if m.split(".")[0] in heavy + ["eqdist"])
    return mods + (["equinox"] if "equinox" in sys.modules else [])
steps = {{}}
import eqdist
steps["import"] = loaded()
eqdist.Normal
steps["Normal"] = loaded()
eqdist.transforms.ExpTransform
steps["ExpTransform"] = loaded()
from eqdist import *
import eqdist.flows, eqdist.train
for package in (eqdist.flows, eqdist.train):
    for name in package.__all__:
        getattr(package, name)
steps["everything"] = loaded()
print(json.dumps(steps))
"""


@pytest.fixture(scope="module")
def steps():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_eqdist_loads_nothing_else(steps):
    # Not even Equinox: every export is lazy.
    assert steps["import"] == ["eqdist", "eqdist._lazy"]


def test_one_name_loads_only_its_module(steps):
    loaded = set(steps["Normal"])
    assert "eqdist.continuous._normal" in loaded
    others = {
        m
        for m in loaded
        if m.startswith(("eqdist.continuous._", "eqdist.discrete", "eqdist.transforms"))
    }
    assert others == {"eqdist.continuous._normal"}
    assert not loaded & {"eqdist.flows", "eqdist.train", "eqdist._transformed"}

    loaded = set(steps["ExpTransform"]) - set(steps["Normal"])
    assert "eqdist.transforms._elementwise" in loaded
    assert "eqdist.transforms._cholesky" not in loaded
    assert "eqdist.transforms._biject_to" not in loaded


@pytest.mark.parametrize("step", ["import", "Normal", "ExpTransform", "everything"])
def test_no_heavy_dependency_is_imported(steps, step):
    # optax and tqdm are imported inside the training functions that use them.
    heavy = sorted({m.split(".")[0] for m in steps[step]} & set(HEAVY))
    assert heavy == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_lazy_table_agrees_with_all_and_dir(package):
    spec = package.__spec__
    table = _lazy.lazy_table(spec.loader.get_source(spec.name), package.__file__)
    assert table, f"{package.__name__} has no lazy exports"
    assert package.__all__ == sorted(table)
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_exported_name_resolves(package):
    for name in package.__all__:
        value = getattr(package, name)
        assert value is not None, f"{package.__name__}.{name}"
        if not inspect.ismodule(value):
            assert value.__module__.startswith("eqdist"), f"{package.__name__}.{name}"


def test_star_import_gives_every_name():
    namespace = {}
    exec("from eqdist import *", namespace)
    assert set(eqdist.__all__) <= set(namespace)
    assert namespace["Normal"] is eqdist.Normal
    assert namespace["Distribution"] is eqdist.AbstractDistribution


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="'eqdist' has no attribute 'Nromal'"):
        eqdist.Nromal  # noqa: B018
    with pytest.raises(ImportError):
        exec("from eqdist.transforms import NoSuchTransform", {})


def _defined_classes(prefix: str, base: type) -> set[type]:
    """Public subclasses of `base` defined in the modules under `prefix`."""
    found = set()
    root = importlib.import_module(prefix)
    paths = getattr(root, "__path__", None)
    names = [prefix]
    if paths is not None:
        names += [m.name for m in pkgutil.walk_packages(paths, prefix + ".")]
    for module_name in names:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, base)
                and obj.__module__ == module_name
                and not name.startswith("_")
            ):
                found.add(obj)
    return found


def test_every_distribution_and_transform_is_exported():
    # A class added to a family but not to the export block fails here.
    def exported(package):
        return {getattr(package, name) for name in package.__all__}

    cases = [
        ("eqdist.continuous", eqdist.AbstractDistribution, exported(eqdist)),
        ("eqdist.discrete", eqdist.AbstractDistribution, exported(eqdist)),
        ("eqdist._transformed", eqdist.AbstractDistribution, exported(eqdist)),
        ("eqdist._independent", eqdist.AbstractDistribution, exported(eqdist)),
        ("eqdist._expanded", eqdist.AbstractDistribution, exported(eqdist)),
        (
            "eqdist.transforms",
            eqdist.transforms.AbstractTransform,
            exported(eqdist.transforms),
        ),
        ("eqdist.flows", eqdist.transforms.AbstractTransform, exported(eqdist.flows)),
    ]
    for prefix, base, names in cases:
        missing = sorted(c.__name__ for c in _defined_classes(prefix, base) - names)
        assert not missing, f"not exported from {prefix}'s package: {missing}"


@pytest.mark.parametrize(
    "block",
    [
        "import os",  # not a relative from-import
        "from os import path",  # absolute
        "from ._a import A as A\nfrom ._b import A as A",  # exported twice
        "x = 1",  # not an alias of an exported name
    ],
)
def test_a_malformed_export_block_is_rejected(block):
    body = "\n".join("    " + line for line in block.splitlines())
    source = f"if TYPE_CHECKING:\n{body}\n"
    with pytest.raises(SyntaxError, match=r"pkg/__init__.py, line \d"):
        _lazy.lazy_table(source, "pkg/__init__.py")


def test_the_export_block_is_parsed():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from . import sub as sub\n"
        "    from ._a import A as A, helper\n"
        "    from .pkg._b import B as Bee\n"
        "    Alias = A\n"
        "else:\n"
        "    pass\n"
    )
    assert _lazy.lazy_table(source, "pkg/__init__.py") == {
        "sub": (".sub", None),
        "A": ("._a", "A"),
        "helper": ("._a", "helper"),
        "Bee": (".pkg._b", "B"),
        "Alias": ("._a", "A"),
    }


def test_a_temporary_import_hook_still_checks_every_name():
    # README: `with install_import_hook("eqdist", ...): import eqdist`. The hook
    # instruments only modules imported inside the block, so eqdist loads its
    # exports there: a name first used after the block is still checked.
    code = """
from jaxtyping import TypeCheckError, install_import_hook
with install_import_hook("eqdist", "beartype.beartype"):
    import eqdist
try:
    eqdist.Normal("a", 1.0)
except TypeCheckError:
    print("checked")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "checked"
