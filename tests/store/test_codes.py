"""PINs and confirmation codes: random, hashed with a salt, checked exactly."""

from __future__ import annotations

from store.codes import check_secret, hash_secret, new_code


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(200)}

    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190  # random, not a counter or a constant


def test_a_hash_checks_its_own_secret_only() -> None:
    stored = hash_secret("4821")

    assert check_secret("4821", stored)
    assert not check_secret("4822", stored)
    assert not check_secret("04821", stored)
    assert "4821" not in stored


def test_the_same_secret_hashes_differently_each_time() -> None:
    assert hash_secret("4821") != hash_secret("4821")


def test_nothing_stored_or_garbage_never_matches() -> None:
    assert not check_secret("4821", None)
    assert not check_secret("4821", "")
    assert not check_secret("4821", "md5$zz$zz")
    assert not check_secret("4821", "plain-4821")
