"""The pseudonymisation key: from the environment or an owner-only key file, never made for an old register."""

from __future__ import annotations

import pytest

from evidence.sources.register import KEY_ENV, RegisterKeyError, load_key


def test_the_key_file_is_made_owner_only_only_when_asked(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "config" / "register.key"
    with pytest.raises(RegisterKeyError, match="no register key"):
        load_key(path)
    made = load_key(path, create=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_key(path).pseudonym("MSS-1") == made.pseudonym("MSS-1")
    assert made.pseudonym("MSS-1") != made.pseudonym("MSS-2")
    assert "secret" not in repr(made) and path.read_text().strip() not in repr(made)


def test_the_environment_variable_wins_and_a_short_key_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "k" * 40)
    key = load_key()
    assert key.origin == f"environment variable {KEY_ENV}"
    assert key.check_value() != load_key(tmp_path / "other.key", create=True).check_value()
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(RegisterKeyError, match="too short"):
        load_key()


def test_a_key_file_others_can_read_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "register.key"
    path.write_text("x" * 64)
    path.chmod(0o644)
    with pytest.raises(RegisterKeyError, match="chmod 600"):
        load_key(path)


def test_the_pseudonym_is_the_standard_hmac_sha256_of_the_id(tmp_path) -> None:
    import hashlib
    import hmac

    path = tmp_path / "register.key"
    key = load_key(path, create=True)
    secret = path.read_text().strip().encode()
    assert key.pseudonym("MSS-000001") == hmac.new(secret, b"MSS-000001", hashlib.sha256).hexdigest()
