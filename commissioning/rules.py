"""Who may do what in commissioning, and when."""

from __future__ import annotations

from commissioning.models import Application, FundingRound


def assessment_is_open(application: Application) -> bool:
    """Declarations and scores may change only while the application awaits its decision
    in a round that is taking or assessing applications; after that they are the record
    the decision rests on."""
    return application.status == Application.Status.SUBMITTED and (
        application.lot.funding_round.status
        in (FundingRound.Status.OPEN, FundingRound.Status.ASSESSMENT)
    )
