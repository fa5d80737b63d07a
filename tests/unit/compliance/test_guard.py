"""The output guard blocks every prohibited sentence (with the right code) and passes every ordinary one."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

import pytest

from shared.compliance.guard import GuardContext, OutputGuard, normalize, stated_amounts
from tests.unit.compliance.guard_cases import KNOWN_AMOUNTS, load

PROHIBITED = load("prohibited.txt")
ORDINARY = load("ordinary.txt")
GUARD = OutputGuard()


def test_the_sets_are_big_enough() -> None:
    assert len(PROHIBITED) >= 50
    assert len(ORDINARY) >= 50


@pytest.mark.parametrize("case", PROHIBITED, ids=lambda c: c.sentence[:40])
def test_prohibited_sentence_is_blocked_with_its_code(case) -> None:  # type: ignore[no-untyped-def]
    result = GUARD.check(case.sentence, case.ctx)
    assert not result.allowed
    assert case.expected in result.violations
    assert result.text != case.sentence


@pytest.mark.parametrize("case", ORDINARY, ids=lambda c: c.sentence[:40])
def test_ordinary_sentence_passes_unchanged(case) -> None:  # type: ignore[no-untyped-def]
    result = GUARD.check(case.sentence, case.ctx)
    assert result.violations == ()
    assert result.allowed and result.text == case.sentence


@pytest.mark.parametrize("case", PROHIBITED, ids=lambda c: c.sentence[:40])
def test_replacement_line_passes_in_the_same_context(case) -> None:  # type: ignore[no-untyped-def]
    replacement = GUARD.check(case.sentence, case.ctx).text
    assert GUARD.check(replacement, case.ctx).allowed


def test_lawsuit_is_allowed_only_when_the_record_permits_it() -> None:
    sentence = "The bank may file a lawsuit to recover this amount."
    assert "lawsuit_threat" in GUARD.check(sentence, GuardContext(verified=True)).violations
    assert GUARD.check(sentence, GuardContext(verified=True, lawsuit_permitted=True)).allowed


def test_time_barred_debt_blocks_lawsuit_talk_even_when_permitted() -> None:
    ctx = GuardContext(verified=True, lawsuit_permitted=True, time_barred=True)
    assert GUARD.check("We may file a lawsuit.", ctx).violations == ("time_barred_suit",)


def test_garnishment_is_allowed_only_when_the_record_permits_it() -> None:
    sentence = "Wage garnishment may apply to this account."
    assert "garnishment" in GUARD.check(sentence, GuardContext(verified=True)).violations
    assert GUARD.check(sentence, GuardContext(verified=True, garnishment_permitted=True)).allowed


def test_amounts_are_compared_to_the_cent() -> None:
    ctx = GuardContext(verified=True, known_amounts=frozenset({Decimal("1250")}))
    assert GUARD.check("Your balance is $1,250.00.", ctx).allowed
    assert GUARD.check("Your balance is $1,250.01.", ctx).violations == ("amount_mismatch",)
    assert GUARD.check("That is one thousand two hundred fifty dollars.", ctx).allowed


def test_amount_parsing_reads_digits_words_and_thousands() -> None:
    text = normalize("Pay $2k now, or 300 dollars, or two hundred and five dollars, or $1,250.5.")
    assert stated_amounts(text) == [Decimal(2000), Decimal(300), Decimal("1250.5"), Decimal(205)]


def test_normalization_defeats_curly_quotes_and_accents() -> None:
    assert "profanity" in GUARD.check("Yóu’re a DEADBEAT!", GuardContext(verified=True)).violations


def test_unverified_speaker_hears_no_amount_at_all() -> None:
    ctx = GuardContext(verified=False, known_amounts=KNOWN_AMOUNTS)
    assert GUARD.check("It's about $312.50.", ctx).violations == ("debt_before_verification",)


class _Hook:
    def __init__(self, codes: Sequence[str], *, fail: bool = False) -> None:
        self.codes, self.fail, self.calls = codes, fail, 0

    async def __call__(self, sentence: str, ctx: GuardContext) -> Sequence[str]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("moderation service down")
        return self.codes


async def test_moderation_hook_can_block_a_sentence_the_patterns_pass() -> None:
    guard = OutputGuard(_Hook(["harassment"]))
    result = await guard.check_async("Thanks for your time.", GuardContext(verified=True))
    assert not result.allowed and result.violations == ("moderation_harassment",)
    assert guard.check(result.text, GuardContext(verified=False)).allowed


async def test_moderation_hook_never_unblocks() -> None:
    hook = _Hook([])
    result = await OutputGuard(hook).check_async("We will sue you.", GuardContext(verified=True))
    assert not result.allowed and result.violations == ("lawsuit_threat",)
    assert hook.calls == 0


async def test_a_failing_moderation_hook_leaves_the_pattern_verdict() -> None:
    result = await OutputGuard(_Hook([], fail=True)).check_async("Thanks.", GuardContext(verified=True))
    assert result.allowed


# ---- speech-safe amounts: words, cents, offers on the table, the tool's figure as the correction ----------------
OFFERS = GuardContext(verified=True, known_amounts=frozenset({Decimal("1250.00"), Decimal("208.33"),
                                                              Decimal("375.00")}),
                      offers=frozenset({Decimal("600.00"), Decimal("925.00")}), tool_figure=Decimal("925.00"))


@pytest.mark.parametrize("sentence", [
    "I'm not able to accept $600.00, but I can offer a one-time settlement of $925.00.",
    "That's two hundred eight dollars and thirty-three cents a month.",
    "That's 208 dollars and 33 cents a month.",
    "That comes to about $208 a month.",
    "A settlement of $875.00 would save you $375.00.",
])
def test_natural_amount_speech_passes(sentence: str) -> None:
    ctx = dataclasses.replace(OFFERS, known_amounts=OFFERS.known_amounts | {Decimal("875.00")})
    assert GUARD.check(sentence, ctx).violations == ()


def test_amounts_in_words_with_cents_are_read_exactly() -> None:
    assert stated_amounts("two hundred eight dollars and thirty-three cents") == [Decimal("208.33")]
    assert stated_amounts("1,250 dollars and 5 cents") == [Decimal("1250.05")]
    assert stated_amounts("twelve hundred fifty dollars") == [Decimal("1250")]


def test_a_hedge_does_not_excuse_a_figure_far_from_any_known_one() -> None:
    assert GUARD.check("That's about $250 a month.", OFFERS).violations == ("amount_mismatch",)


def test_a_wrong_figure_is_replaced_by_the_tools_figure_never_the_balance() -> None:
    result = GUARD.check("We can accept $900.00 as a one-time settlement.", OFFERS)
    assert not result.allowed and result.violations == ("amount_mismatch",)
    assert result.text == "We can accept $925.00 as a one-time settlement."
    assert "1,250" not in result.text


def test_without_a_tool_figure_a_wrong_amount_gets_the_neutral_line() -> None:
    ctx = dataclasses.replace(OFFERS, tool_figure=None)
    result = GUARD.check("We can accept $900.00 as a one-time settlement.", ctx)
    assert "$" not in result.text and GUARD.check(result.text, ctx).allowed


def test_two_wrong_figures_are_not_patched_one_by_one() -> None:
    result = GUARD.check("Pay $10.00 now and $20.00 later.", OFFERS)
    assert "$" not in result.text


def test_the_new_checks_add_no_false_positive_on_the_ordinary_set() -> None:
    blocked = [c.sentence for c in ORDINARY if not GUARD.check(c.sentence, c.ctx).allowed]
    assert blocked == []
