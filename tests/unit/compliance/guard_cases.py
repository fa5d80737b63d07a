"""The guard's adversarial and ordinary sentence sets (data files), parsed with their context tags."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from shared.compliance.guard import GuardContext

DATA = Path(__file__).parent / "data"
KNOWN_AMOUNTS = frozenset({Decimal("1250.00"), Decimal("312.50")})


@dataclass(frozen=True)
class Case:
    sentence: str
    ctx: GuardContext
    expected: str | None


def _context(tags: set[str]) -> GuardContext:
    return GuardContext(verified="unverified" not in tags, known_amounts=KNOWN_AMOUNTS,
                        lawsuit_permitted="lawsuit_permitted" in tags,
                        garnishment_permitted="garnishment_permitted" in tags, time_barred="time_barred" in tags)


def load(name: str) -> list[Case]:
    cases = []
    for line in (DATA / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tags: set[str] = set()
        if line.startswith("["):
            tag_text, line = line[1:].split("]", 1)
            tags = {t.strip() for t in tag_text.split(",")}
        sentence, _, expected = (part.strip() for part in line.partition("|"))
        cases.append(Case(sentence, _context(tags), expected or None))
    return cases
