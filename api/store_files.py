"""Where the files made once per snapshot are kept: the dumps (:mod:`carekg.api.dumps`)
and the saved queries' precomputed answers (:mod:`carekg.api.precompute`). Not HTTP
caching (:mod:`carekg.api.caching`): files beside the store's snapshots."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from carekg.config import Settings


def store_cache_dir(config: Settings, folder: str) -> Path:
    """Where files made once per snapshot are kept (``folder``: the dumps, the
    precomputed answers): beside the snapshots, never in one (a published snapshot is
    immutable), or in a temporary directory when the store directory is read-only (a
    server started on a store it may not change). Absolute: a relative store (the
    default ``var/store``) is the working directory's, and Flask's ``send_file`` would
    resolve a relative path under the package instead."""
    root = Path(config.store).resolve() / "cache" / folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    digest = hashlib.sha256(str(Path(config.store).resolve()).encode()).hexdigest()[:16]
    fallback = Path(tempfile.gettempdir()) / f"carekg-{folder}" / digest
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback
