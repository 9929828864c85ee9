"""The referral program, pure: a version's limits, one mailbox however it is spelled, and
codes as members type them."""

from __future__ import annotations

import pytest

from exchange.kit.errors import InvalidInput
from partners.referrals.program import (
    Terms,
    canonical_email,
    checked,
    normalize_code,
    same_person,
)


@pytest.mark.parametrize(
    ("spelled", "mailbox"),
    [
        ("Ana@Example.com", "ana@example.com"),
        ("ana+shop@example.com", "ana@example.com"),
        ("a.n.a@example.com", "a.n.a@example.com"),  # dots count outside Gmail
        ("A.n.A+x+y@gmail.com", "ana@gmail.com"),
        ("ana@googlemail.com", "ana@gmail.com"),
        ("  ana@gmail.com ", "ana@gmail.com"),
    ],
)
def test_one_mailbox_one_spelling(spelled: str, mailbox: str) -> None:
    assert canonical_email(spelled) == mailbox


def test_a_self_referral_is_the_referrers_mailbox() -> None:
    assert same_person("AnaB+2@googlemail.com", "ana.b@gmail.com")
    assert not same_person("ana.b@example.com", "anab@example.com")
    assert not same_person(None, "ana@gmail.com")
    assert not same_person("ana@gmail.com", None)


def test_codes_as_members_type_them() -> None:
    assert normalize_code(" 7k3m-9x2p q1 ") == "7K3M9X2PQ1"
    assert normalize_code("oil") == "011"  # Crockford: O is 0, I and L are 1


def test_terms_at_their_limits() -> None:
    assert checked(Terms(0, 0, 1)) == Terms(0, 0, 1)
    assert checked(Terms(1_000_000, 1_000_000, 1_000_000, 3660)).validity_days == 3660
    for terms, field in (
        (Terms(-1, 0, 1), "referrerPoints"),
        (Terms(0, 1_000_001, 1), "referredPoints"),
        (Terms(0, 0, 0), "minimumPoints"),
        (Terms(0, 0, 1, 0), "validityDays"),
        (Terms(0, 0, 1, 3661), "validityDays"),
    ):
        with pytest.raises(InvalidInput) as refused:
            checked(terms)
        assert refused.value.field == [field]
