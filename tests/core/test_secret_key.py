from __future__ import annotations

import stat

from evidence.core.secret_key import secret_key


def test_a_key_file_is_made_once_owner_only_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("EXAMPLE_SECRET", raising=False)
    first = secret_key("example", "EXAMPLE_SECRET")
    path = tmp_path / "example.key"
    assert len(first) == 32 and path.read_bytes() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key("example", "EXAMPLE_SECRET") == first


def test_the_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("EXAMPLE_SECRET", "shared by the organisation's machines")
    assert secret_key("example", "EXAMPLE_SECRET") == secret_key("example", "EXAMPLE_SECRET")
    assert not (tmp_path / "example.key").exists()
