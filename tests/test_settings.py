"""The settings table is the one source of ``carekg serve``'s flags and of the limits
table in docs/security.md: a default changed, a flag renamed or a setting added without
its documentation fails here."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from carekg.cli import build_parser, serve_settings
from carekg.config import SERVE_SETTINGS, Settings, limits_table

SECURITY_DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def test_the_security_docs_limits_table_is_the_settings_table() -> None:
    text = SECURITY_DOC.read_text(encoding="utf-8")
    assert limits_table() in text, ("docs/security.md's limits table differs from "
                                    "carekg.config.limits_table(); paste its output")
    assert "| `query_timeout` | `--timeout` | 30 s |" in limits_table()


def test_serve_without_flags_keeps_every_default() -> None:
    args = build_parser().parse_args(["serve"])
    assert serve_settings(args) == Settings()


@pytest.mark.parametrize("setting", SERVE_SETTINGS, ids=lambda s: s.name)
def test_each_serve_flag_sets_its_setting(setting) -> None:  # type: ignore[no-untyped-def]
    flag = setting.metadata["flag"]
    if "bool" in setting.type:
        argv, expected = [flag], True
    elif isinstance(setting.default, tuple):
        argv, expected = [flag, "http://a.example/sparql"], ("http://a.example/sparql",)
    elif setting.type == "str | None":
        argv, expected = [flag, "1 per second"], "1 per second"
    else:
        argv, expected = [flag, "3"], type(setting.default)(3)
    settings = serve_settings(build_parser().parse_args(["serve", *argv]))
    assert getattr(settings, setting.name) == expected
    assert replace(settings, **{setting.name: setting.default}) == Settings()


def test_no_rate_limit_turns_off_both_per_client_limits() -> None:
    settings = serve_settings(build_parser().parse_args(["serve", "--no-rate-limit"]))
    assert settings.query_seconds == 0 and not settings.rate_limit


def test_a_switch_can_be_turned_off_too() -> None:
    args = build_parser().parse_args(["serve", "--no-rate-limit-exempt-loopback"])
    assert serve_settings(args).rate_limit_exempt_loopback is False


def test_every_limit_and_serving_field_has_a_flag() -> None:
    """A field added to Settings is either a serving setting (with a flag) or one of the
    few that every command shares."""
    shared = {"base", "store", "graph_store"}
    assert {f.name for f in fields(Settings)} - {s.name for s in SERVE_SETTINGS} == shared


def test_help_shows_each_flag_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for setting in SERVE_SETTINGS:
        assert setting.metadata["flag"] in help_text
    assert help_text.count("default 60 s per minute") == 1
