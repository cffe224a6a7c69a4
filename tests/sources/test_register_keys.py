"""The pseudonymisation key: from the environment or an owner-only key file, never made for an old register."""

from __future__ import annotations

import base64
import secrets

import pytest

from evidence.sources.register import KEY_ENV, RegisterKeyError, load_key
from evidence.sources.register.keys import MIN_KEY_LENGTH, key_weakness, new_key_text


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
    monkeypatch.setenv(KEY_ENV, new_key_text())
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


def test_a_folder_given_as_the_key_file_is_refused_without_advice_to_chmod_it(tmp_path, monkeypatch) -> None:
    """`--key-file /tmp` said "can be read by others (mode drwxrwxrwt); make it owner-only: chmod 600 /tmp":
    advice that, followed, breaks the system's temporary folder."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    folder = tmp_path / "keys"
    folder.mkdir()
    folder.chmod(0o1777)
    for create in (False, True):
        with pytest.raises(RegisterKeyError, match="is a folder; give the key file itself") as info:
            load_key(folder, create=create)
        assert "chmod" not in str(info.value)


def test_the_pseudonym_is_the_standard_hmac_sha256_of_the_id(tmp_path) -> None:
    import hashlib
    import hmac

    path = tmp_path / "register.key"
    key = load_key(path, create=True)
    secret = path.read_text().strip().encode()
    assert key.pseudonym("MSS-000001") == hmac.new(secret, b"MSS-000001", hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "chosen",
    [
        "k" * 40,  # long enough, and one letter
        "benchmark-key-" + "x" * 40,
        "correct horse battery staple and a horse",  # words and spaces
        "0123456789abcdef0123456789abcdef",  # a pattern repeated
        "deadbeef" * 4,  # five different hex digits
        "thisismysecretpasswordfortheregister",  # letters of one case
        "Password1234567890Password1234567890",  # a run 1234567890
        "12345678901234567890123",  # decimal digits: 76 bits
    ],
)
def test_a_key_chosen_by_a_person_is_refused_with_what_to_do(chosen, monkeypatch) -> None:
    """The register's key check (an HMAC of a constant) lets whoever copies the register test guessed keys
    offline: only a random key is safe."""
    monkeypatch.setenv(KEY_ENV, chosen)
    with pytest.raises(RegisterKeyError) as refused:
        load_key(create=True)  # for a new register
    message = str(refused.value)
    assert "evidence register key" in message and "EVIDENCE_REGISTER_KEY" in message
    assert chosen not in message  # the key is never shown
    if len(chosen) < MIN_KEY_LENGTH:
        return  # refused before keys were checked too: no register was made with it
    # a register made with it before keys were checked still opens (a new key would give everyone new
    # pseudonyms): the key says why it is weak, and what to do, for the import to say loudly
    kept = load_key()
    assert kept.weakness is not None and "evidence register key" in kept.weakness
    assert "import the exports again into a new register" in kept.weakness and chosen not in kept.weakness
    monkeypatch.setenv(KEY_ENV, new_key_text())
    assert load_key().weakness is None


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64])
@pytest.mark.parametrize("form", ["hex", "HEX", "b64", "url"])
def test_random_keys_in_any_usual_form_are_never_refused(size, form) -> None:
    """Random keys pass (each check fails a random key with a chance below 1e-12): the generated key file of
    an existing register still opens, and so does `openssl rand -hex 32` or `-base64 32`."""
    for _ in range(500):
        raw = secrets.token_bytes(size)
        text = {
            "hex": raw.hex(),
            "HEX": raw.hex().upper(),
            "b64": base64.b64encode(raw).decode(),
            "url": base64.urlsafe_b64encode(raw).decode(),
        }[form]
        if len(text) >= 32:
            assert key_weakness(text) is None, text


def test_a_random_key_without_letters_of_one_case_is_refused_only_where_that_is_rarer_than_a_false_alarm() -> (
    None
):
    """A 32-character base64 key with no lowercase letter comes once in ~8 million random keys (2 (38/64)^32):
    one was drawn by the test above and refused. Letters of one case among other characters are said from 55
    characters on (2 (38/64)^55 < 1e-12); letters of one case and nothing else from 32 (2 (26/64)^32 < 1e-12)."""
    assert key_weakness("D11H6KTWP3T29VOYDN8YFV+E/YB0KIK3") is None  # drawn at random (the test above)
    assert key_weakness("d11h6ktwp3t29voydn8yfv+e/yb0kik3") is None
    drawn = "D11H6KTWP3T29VOYDN8YFV+E/YB0KIK3Q7ZR2M+XC5L9/WA4NJ8SE0UGB"  # 55: no lowercase
    assert "one case" in (key_weakness(drawn) or "")
    assert key_weakness(drawn[:54]) is None
    assert "one case" in (
        key_weakness("QWERTYUIOPASDFGHJKLZXCVBNMQWERTYU") or ""
    )  # 33 capitals, nothing else
    assert "one case" in (key_weakness("thisismysecretpasswordfortheregister") or "")


def test_the_key_file_of_an_existing_register_still_opens(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "register.key"
    made = load_key(path, create=True)
    assert load_key(path).check_value() == made.check_value()
    for _ in range(2000):
        assert key_weakness(new_key_text()) is None
        assert key_weakness(secrets.token_urlsafe(32)) is None


def test_a_lost_key_file_says_what_it_means_and_what_to_do(tmp_path, monkeypatch) -> None:
    """An existing register whose key file is gone said only "no register key at PATH"."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(RegisterKeyError) as caught:
        load_key(tmp_path / "register.key")
    message = str(caught.value)
    assert "no register key at" in message and "nothing was imported" in message
    assert "restore" in message.lower() and KEY_ENV in message  # where the key may come back from
    assert "still read" in message  # the register itself is not lost
    assert "new register" in message  # and what to do when the key is lost for good


def test_the_advice_to_move_to_a_new_register_says_erasures_do_not_follow(tmp_path, monkeypatch) -> None:
    """Review 17: a lost or weak key's advice was "import the exports again into a new register", and the
    exports still hold the people erased on their request: imported under a new key, nothing recognised them
    (the erased ids are kept as keyed hashes of the old key), and they were back in every figure."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(RegisterKeyError) as caught:
        load_key(tmp_path / "register.key")
    monkeypatch.setenv(KEY_ENV, "correct horse battery staple correct horse")
    weak = load_key(create=False).weakness
    for advice in (str(caught.value), weak):
        assert advice is not None and "erase them again" in advice and "register status" in advice
