"""Writing files so that a crash never leaves a half-written output behind.

:func:`atomic_write` for any file, :func:`atomic_savez` for NumPy archives; tables are
written by :func:`cebra_sae.tables.write_table`, also atomically.

Example:
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.txt"
    >>> with atomic_write(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('done', ['table.txt'])
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path beside ``path``; rename it into place on success.

    The temporary file is created normally (so it gets the user's umask, unlike
    ``mkstemp``'s private 0600) and removed if the block raises.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_savez(path, **arrays) -> None:
    """``np.savez`` to a temporary file in the same folder, then rename it into place."""
    with atomic_write(path) as tmp:
        np.savez(tmp, **arrays)
