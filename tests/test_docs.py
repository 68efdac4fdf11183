"""Documentation kept true: the README's commands, CLI table and CI script agree with the
code, and every saved query and shape is documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from carekg.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def block_after(marker: str) -> str:
    match = re.search(marker + r"\s*```sh\n(.*?)\n```", README, re.S)
    assert match, f"README.md has no ```sh block after {marker}"
    return match.group(1).strip()


def test_readme_opens_with_the_two_commands() -> None:
    head = README[:1500]
    assert head.index("<!-- main-command -->") < head.index("<!-- test-command -->")
    assert "carekg serve" in block_after("<!-- main-command -->")
    assert "pytest" in block_after("<!-- test-command -->")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = REPO / ".ci" / "run"
    extract = re.search(r"test_command=\$\((.*)\)\n", script.read_text(encoding="utf-8"))
    assert extract, ".ci/run no longer reads the README"
    found = subprocess.run(["bash", "-c", extract.group(1)], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == block_after("<!-- test-command -->")


def test_every_command_is_in_the_readme_table() -> None:
    for name in COMMANDS:
        assert f"| `carekg {name}" in README, f"carekg {name} is not documented in README.md"


def test_readme_names_no_command_that_does_not_exist() -> None:
    named = set(re.findall(r"`(?:\.venv/bin/)?carekg ([a-z-]+)", README))
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


def test_opportunities_parameters_are_documented() -> None:
    """from/to of the feeds were documented only in a docstring."""
    import yaml

    api_md = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    section = api_md[api_md.index("/opportunities.csv"):]
    assert "`from`" in section and "`to`" in section and "X-Carekg-Window" in section
    spec = yaml.safe_load((REPO / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    shared = spec["components"]["parameters"]
    for path in ("/opportunities.csv", "/opportunities.ics"):
        params = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                  for p in spec["paths"][path]["get"]["parameters"]]
        assert {p["name"] for p in params} == {"from", "to"}
        assert all(p.get("description") for p in params)


def test_readme_says_what_the_skipped_tests_need() -> None:
    """A new user running the suite learns why some tests are skipped before seeing it."""
    text = " ".join(README.split())
    assert "../shared" in text and "extraction-quality" in text
    assert "Virtuoso" in text and "remote-store" in text


def test_the_missing_assets_banner_gives_a_command_that_works_when_installed() -> None:
    """`python -m carekg.api.assets` fails outside a checkout (it needs ui/): the
    banners say to reinstall from a checkout instead."""
    for name in ("index.html", "compare.html"):
        page = (REPO / "api" / "templates" / name).read_text(encoding="utf-8")
        banner = page[page.index('id="assets-missing"'):page.index("</p>",
                                                                  page.index("assets-missing"))]
        assert "checkout" in banner and "npm" in banner


def test_readme_names_the_folder_of_every_import_name() -> None:
    """The developer section's table is the package-dir mapping of pyproject.toml."""
    import tomllib

    mapping = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"]
    rows = re.findall(r"^\| (`carekg[^|]*) \| (`[^|]*) \|$", README, re.M)
    shown: dict[str, str] = {}
    for names, folders in rows:
        for name, folder in zip(re.findall(r"`([\w.]+)`", names),
                                re.findall(r"`(\w+)/`", folders), strict=True):
            shown[name] = folder
    assert shown == mapping


def test_readme_one_test_example_names_a_test() -> None:
    match = re.search(r"`\.venv/bin/pytest (tests/\w+\.py)::(\w+)", README)
    assert match, "the developer section shows no one-test command"
    source = (REPO / match.group(1)).read_text(encoding="utf-8")
    assert f"def {match.group(2)}(" in source
