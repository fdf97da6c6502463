"""French administrative identifiers: SIREN and SIRET numbers carry a Luhn check digit."""

from __future__ import annotations

import random


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def siren(prefix: str, rng: random.Random) -> str:
    """A 9-digit SIREN starting with `prefix`."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(8 - len(prefix)))
    return body + luhn_check_digit(body)


def siret(siren_number: str, establishment: int = 1) -> str:
    """The 14-digit SIRET of an establishment of `siren_number` (NIC = 4 digits + check)."""
    body = f"{siren_number}{establishment:04d}"
    return body + luhn_check_digit(body)


def association_siren(rng: random.Random) -> str:
    # Associations registered with INSEE get SIREN numbers starting with 3, 4, 5 or 7-8.
    return siren(rng.choice("34578"), rng)
