"""Third-party browser assets (YASGUI, Vega, Vega-Lite, vega-embed), installed, not committed.

The versions are pinned by ``ui/package-lock.json``; :func:`install` runs ``npm ci`` in
``ui/`` and copies the built files named in :data:`VENDOR_FILES` into
``api/static/vendor/`` (git-ignored). ``pip install .`` runs it through the build hook in
``setup.py``; from a checkout (editable install) run ``python -m carekg.api.assets``.
The app serves these files itself, so no page loads code from a CDN at run time.

This module imports only the standard library: ``setup.py`` loads it by path, before
carekg or its dependencies are installed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

#: Files copied from ``ui/node_modules`` (key) to ``api/static/vendor`` (value).
VENDOR_FILES: dict[str, str] = {
    "@zazuko/yasgui/build/yasgui.min.js": "yasgui/yasgui.min.js",
    "@zazuko/yasgui/build/yasgui.min.css": "yasgui/yasgui.min.css",
    "vega/build/vega.min.js": "vega/vega.min.js",
    "vega-lite/build/vega-lite.min.js": "vega/vega-lite.min.js",
    "vega-embed/build/vega-embed.min.js": "vega/vega-embed.min.js",
}

HERE = Path(__file__).resolve().parent
DEFAULT_UI_DIR = HERE.parent / "ui"
DEFAULT_TARGET = HERE / "static" / "vendor"


class AssetError(RuntimeError):
    """npm is missing or failed, or a package did not ship an expected file."""


def missing(target: Path = DEFAULT_TARGET) -> list[str]:
    """Vendor files not installed under ``target`` (the pages degrade without them)."""
    return [name for name in VENDOR_FILES.values() if not (target / name).is_file()]


def install(ui_dir: Path = DEFAULT_UI_DIR, target: Path = DEFAULT_TARGET) -> list[Path]:
    """``npm ci`` in ``ui_dir`` (exact versions of the lock file, no install scripts),
    then copy the vendor files into ``target``; returns the files written."""
    if not (ui_dir / "package-lock.json").is_file():
        raise AssetError(f"{ui_dir} has no package-lock.json: run from a carekg checkout")
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not on PATH: install Node.js (v18 or later) and retry")
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    done = subprocess.run(command, cwd=ui_dir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssetError(f"'npm ci' failed in {ui_dir}:\n{done.stderr.strip()}")
    return copy_built(ui_dir / "node_modules", target)


def copy_built(node_modules: Path, target: Path) -> list[Path]:
    written = []
    for source, name in VENDOR_FILES.items():
        origin = node_modules / source
        if not origin.is_file():
            raise AssetError(f"{origin} is missing: the npm package layout changed")
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, destination)
        written.append(destination)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carekg.api.assets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ui", type=Path, default=DEFAULT_UI_DIR, help="the ui/ folder")
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    args = parser.parse_args(argv)
    try:
        files = install(args.ui, args.target)
    except AssetError as exc:
        print(f"carekg: {exc}", file=sys.stderr)
        return 1
    print(f"installed {len(files)} files into {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
