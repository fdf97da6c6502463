"""SIREN and SIRET numbers carry a valid Luhn check digit."""

from __future__ import annotations

import random

from datapolis.demo.identifiers import association_siren, siren, siret
from tests.demo.test_subventions import luhn_valid


def test_generated_numbers_pass_luhn_and_have_the_right_length() -> None:
    rng = random.Random(7)
    for _ in range(200):
        number = siren("21" + f"49{rng.randrange(1000):03d}", rng)
        assert len(number) == 9 and number.startswith("2149") and luhn_valid(number)
        establishment = siret(number, rng.randrange(1, 50))
        assert len(establishment) == 14 and establishment.startswith(number) and luhn_valid(establishment)
        assert association_siren(rng)[0] in "34578"


def test_a_published_siren_is_recognised_as_valid() -> None:
    # La Poste's SIREN 356000000 is the classic example that passes Luhn.
    assert luhn_valid("356000000")
    assert not luhn_valid("356000001")
