"""Who may record and see the partnership's intelligence.

- Unmet need: a practitioner placed in a PDU records it, for their own PDU; a commissioner
  sees it for their body's regions.
- Equality monitoring: whoever may change a referral records its answers (the referring
  PDU, while it is open); nobody reads them back but as suppressed group figures, which a
  commissioner sees for their body's regions.
- Referral quality: the receiving organisation's staff rate a referral as they decide it;
  a PDU's practitioners see their PDU's figures.
- Surveys: a commissioner schedules them for their body's regions and sees their results,
  suppressed; a survey is answered, once, by the people it is addressed to (practitioners
  placed in its regions, or the staff of organisations working there), while it is open.
- The partnership report: a commissioner generates and reads both versions for their
  body's regions; provider staff read the providers' version (no personal data) for the
  regions their organisation has services in.

Scoping querysets live in `intelligence.selectors` and use these predicates.
"""

from __future__ import annotations

import rules

from capacity.rules import is_regional_commissioner
from partnership import rules as partnership_rules
from partnership.rules import Action, Policies, Policy, has_organisation
from referrals import rules as referral_rules
from referrals.models import Referral

records_unmet_need = referral_rules.is_pdu_practitioner
sees_unmet_need = is_regional_commissioner
sees_equality = is_regional_commissioner
sees_pdu_quality = referral_rules.is_pdu_practitioner
schedules_surveys = is_regional_commissioner
# Provider staff of an organisation: asked surveys for its regions, read its providers' reports.
is_provider_staff = partnership_rules.is_provider_staff & has_organisation
generates_partnership_reports = is_regional_commissioner
sees_commissioners_reports = is_regional_commissioner
sees_providers_reports = is_provider_staff


@rules.predicate
def may_change_referral(user, referral) -> bool:
    return referral_rules.permitted(user, "edit", referral)


@rules.predicate
def may_decide_referral(user, referral) -> bool:
    return referral_rules.is_receiving_staff(user, referral)


REFERRALS = Policy(
    [
        Action(
            "record_equality",
            may_change_referral,
            referral_rules.NOT_CLOSED,
            label="Equality monitoring recorded",
            refused="Equality monitoring cannot be changed on a referral that is {state}",
        ),
        Action(
            "rate_quality",
            may_decide_referral,
            # Rated in the decision's own transaction, so in whatever state it leads to.
            label="Referral information rated",
        ),
    ]
)
NEW = Policy([Action("record_unmet_need", records_unmet_need, label="Unmet need recorded")])


ASK = Policies({Referral: REFERRALS, type(None): NEW})
require = ASK.require
allows = ASK.allows
