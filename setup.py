"""Build hook: install the query UI's and charts' browser assets at install time.

Everything else about the package is in pyproject.toml. ``build_py`` is extended to run
``carekg.api.assets.install`` (``npm ci`` in ui/, then copy YASGUI and Vega into
``carekg/api/static/vendor``), so ``pip install .`` from a fresh clone serves them without
a CDN and without committing third-party code. Without npm the install still succeeds,
with a warning, and the pages say the assets are missing. Set CAREKG_SKIP_UI_ASSETS=1
to skip the step.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _assets_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("carekg_assets", ROOT / "api" / "assets.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class BuildPyWithAssets(build_py):
    """build_py, then the vendor assets into the built (or, editable, the source) tree."""

    def run(self) -> None:
        super().run()
        if os.environ.get("CAREKG_SKIP_UI_ASSETS"):
            return
        assets = _assets_module()
        if getattr(self, "editable_mode", False):
            target = assets.DEFAULT_TARGET
        else:
            target = Path(self.build_lib) / "carekg" / "api" / "static" / "vendor"
        try:
            files = assets.install(ROOT / "ui", target)
        except assets.AssetError as exc:
            self.warn(f"browser assets not installed ({exc}); the query UI and charts will "
                      "say so. Install them later with: python -m carekg.api.assets")
            return
        self.announce(f"installed {len(files)} browser asset files into {target}", level=2)


setup(cmdclass={"build_py": BuildPyWithAssets})
