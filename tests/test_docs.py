"""The documentation cannot rot: every ```python block of the docs and the README
runs, the generated table is current, and every public name has an API entry."""

import importlib.util
import inspect
import re
from pathlib import Path

import pytest

import eqdist
import eqdist.constraints
import eqdist.flows
import eqdist.train
import eqdist.transforms

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text())


PAGES_WITH_CODE = [page for page in PAGES if _blocks(page)]


def test_pages_have_code():
    names = {page.name for page in PAGES_WITH_CODE}
    assert {"README.md", "getting-started.md", "concepts.md", "migration.md"} <= names


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_code_blocks_run(page):
    # One namespace per page: later blocks build on earlier ones, as a reader would.
    namespace = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(_blocks(page)):
        code = compile(block, f"{page.name}[block {i}]", "exec")
        exec(code, namespace)


def test_distribution_table_is_current():
    spec = importlib.util.spec_from_file_location(
        "make_tables", DOCS / "make_tables.py"
    )
    make_tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_tables)
    assert (DOCS / "distributions.md").read_text() == make_tables.render(), (
        "docs/distributions.md is stale: run `python docs/make_tables.py`"
    )


def _public_names():
    modules = {
        "eqdist": eqdist,
        "eqdist.constraints": eqdist.constraints,
        "eqdist.transforms": eqdist.transforms,
        "eqdist.flows": eqdist.flows,
        "eqdist.train": eqdist.train,
    }
    for prefix, module in modules.items():
        for name in dir(module):
            obj = getattr(module, name)
            is_own = getattr(obj, "__module__", "").startswith("eqdist")
            if name.startswith("_") or not is_own:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # submodules, constraint instances (tabulated on the page)
            if obj.__name__ != name:
                continue  # aliases: Distribution, Transform, greater_than, ...
            yield f"{prefix}.{name}", obj


def test_every_public_name_has_a_documented_api_entry():
    entries = set()
    for page in (DOCS / "api").glob("*.md"):
        entries |= set(re.findall(r"^::: (\S+)", page.read_text(), re.MULTILINE))
    # An object re-exported under several paths (eqdist.biject_to and
    # eqdist.transforms.biject_to) needs one entry.
    paths_of = {}
    for path, obj in _public_names():
        paths_of.setdefault(obj, []).append(path)
    missing = sorted(p[0] for p in paths_of.values() if not entries & set(p))
    assert not missing, f"no `::: name` entry in docs/api/ for {missing}"
    undocumented = sorted(
        p[0] for obj, p in paths_of.items() if not inspect.getdoc(obj)
    )
    assert not undocumented, f"no docstring: {undocumented}"
