"""Saving and loading trained models, with a header that catches mismatches."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np
from jaxtyping import PyTree

_MAGIC = b"EQDIST1\n"


def _describe_leaves(tree: PyTree) -> list[list[Any]]:
    leaves = jax.tree.leaves(eqx.filter(tree, eqx.is_array))
    return [[list(np.shape(leaf)), str(np.asarray(leaf).dtype)] for leaf in leaves]


def save(path: str | Path, tree: PyTree) -> None:
    """Write the arrays of `tree` (a distribution, a flow, any PyTree) to `path`.

    The file holds a small header (the shape and dtype of every array, in order)
    followed by `eqx.tree_serialise_leaves`' payload. Load it with `load` into a
    freshly built skeleton of the same architecture.
    """
    header = json.dumps({"leaves": _describe_leaves(tree)}).encode()
    payload = io.BytesIO()
    eqx.tree_serialise_leaves(payload, tree)
    with open(path, "wb") as file:
        file.write(_MAGIC)
        file.write(len(header).to_bytes(8, "little"))
        file.write(header)
        file.write(payload.getvalue())


def load(path: str | Path, like: PyTree) -> PyTree:
    """Read a file written by `save` into the skeleton `like` (same architecture,
    any values); returns the loaded tree.

    **Raises:** `ValueError` naming what differs when the file is not an eqdist file,
    is truncated, or holds a different architecture (another number of arrays, or an
    array of another shape or dtype). Nothing is half loaded.
    """
    data = Path(path).read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError(f"load: {path} is not a file written by eqdist.train.save.")
    offset = len(_MAGIC)
    size = int.from_bytes(data[offset : offset + 8], "little")
    offset += 8
    try:
        header = json.loads(data[offset : offset + size])
    except ValueError:
        raise ValueError(
            f"load: {path} is truncated or corrupt (bad header)."
        ) from None
    expected = _describe_leaves(like)
    stored = header["leaves"]
    if len(stored) != len(expected):
        raise ValueError(
            f"load: {path} holds {len(stored)} arrays but the skeleton has "
            f"{len(expected)}: a different architecture."
        )
    for i, (got, want) in enumerate(zip(stored, expected)):
        if got != want:
            raise ValueError(
                f"load: array {i} in {path} has shape {tuple(got[0])} and dtype "
                f"{got[1]}, the skeleton's has shape {tuple(want[0])} and dtype "
                f"{want[1]}: a different architecture."
            )
    try:
        return eqx.tree_deserialise_leaves(io.BytesIO(data[offset + size :]), like)
    except Exception as error:  # numpy raises several kinds on a short payload
        raise ValueError(f"load: {path} is truncated or corrupt ({error}).") from None
