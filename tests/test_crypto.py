"""Token encryption with a list of keys: the first encrypts, all decrypt."""

import pytest
from cryptography.fernet import Fernet

from webapp.crypto import SecretBox, UndecryptableSecret, parse_keys

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_secret_round_trips_and_the_ciphertext_does_not_contain_it():
    box = SecretBox([NEW])

    ciphertext = box.encrypt("glpat-secret")

    assert "glpat-secret" not in ciphertext
    assert box.decrypt(ciphertext) == "glpat-secret"


def test_an_old_key_still_decrypts_after_a_new_one_is_put_in_front():
    ciphertext = SecretBox([OLD]).encrypt("ghp_x")
    box = SecretBox([NEW, OLD])

    assert box.decrypt(ciphertext) == "ghp_x"
    rotated = box.rotate(ciphertext)
    assert SecretBox([NEW]).decrypt(rotated) == "ghp_x"


@pytest.mark.parametrize("ciphertext", ["not-a-fernet-token", "", "gAAAA" + "A" * 80])
def test_a_ciphertext_no_key_opens_raises_the_clear_error(ciphertext):
    box = SecretBox([NEW])

    with pytest.raises(UndecryptableSecret, match="cannot be decrypted with the configured keys"):
        box.decrypt(ciphertext)
    assert box.can_decrypt(ciphertext) is False


def test_a_ciphertext_of_a_lost_key_is_undecryptable_and_not_echoed():
    ciphertext = SecretBox([OLD]).encrypt("ghp_y")

    with pytest.raises(UndecryptableSecret) as caught:
        SecretBox([NEW]).decrypt(ciphertext)
    assert ciphertext not in str(caught.value)


def test_keys_are_read_from_a_comma_separated_setting_in_order():
    assert parse_keys(f" {NEW} , {OLD},") == [NEW, OLD]
