"""Copy this file next to your tests: it checks every annotation of your package
(and of eqdist) at run time while the tests run.

The import hook must be installed before the packages are imported, which is why
it lives in `conftest.py` (pytest imports it before any test module).
"""

from jaxtyping import install_import_hook

install_import_hook(["mymodel", "eqdist"], "beartype.beartype")
