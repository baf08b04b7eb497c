"""The rules that run over a typed book, in order.

Each rule is a function from a ``Book`` to the findings it makes, a ``Step`` that names
the sheets it reads (``book.rule``); each module holds the rules of one domain area, and
``RULES`` is the complete list.
"""

from __future__ import annotations

from chantool.book import Step
from chantool.findings import Finding
from chantool.rules import channels, money, prices, profiles, visits

Rule = Step[list[Finding]]

RULES: tuple[Rule, ...] = (
    channels.key_contacts_within_staff,
    channels.key_contacts_reach_ratio,
    profiles.profile_within_deadline,
    visits.check_out_after_check_in,
    visits.no_agreement_needs_follow_up,
    visits.follow_up_by_its_due_date,
    visits.checklist_failure_needs_fix_by,
    money.commission_bands_increase,
    prices.price_ladder,
    prices.below_floor_price,
    prices.outside_own_region,
)
