"""The user folders: platformdirs' conventions, each overridable by an EVIDENCE_*_DIR variable."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from evidence.core import config


@pytest.mark.parametrize(
    ("function", "variable", "platform_default"),
    [
        (config.cache_dir, "EVIDENCE_CACHE_DIR", platformdirs.user_cache_dir),
        (config.data_dir, "EVIDENCE_DATA_DIR", platformdirs.user_data_dir),
        (config.config_dir, "EVIDENCE_CONFIG_DIR", platformdirs.user_config_dir),
    ],
)
def test_folders_follow_the_platform_unless_overridden(
    function, variable, platform_default, monkeypatch, tmp_path
):
    monkeypatch.delenv(variable, raising=False)
    assert function() == Path(platform_default("evidence", appauthor=False))
    monkeypatch.setenv(variable, str(tmp_path / "chosen"))
    assert function() == tmp_path / "chosen"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is the Linux convention")
def test_xdg_variables_are_honoured_on_linux(monkeypatch, tmp_path):
    monkeypatch.delenv("EVIDENCE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.cache_dir() == tmp_path / "xdg" / "evidence"
