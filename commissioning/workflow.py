"""The funding round's state machine, declared once, with what must be true for each step."""

from commissioning.models import FundingRound

Status = FundingRound.Status

ROUND_TRANSITIONS = {
    # action: (from, to)
    "consult": (Status.DRAFT, Status.CONSULTATION),
    "open": (Status.CONSULTATION, Status.OPEN),
    "close_applications": (Status.OPEN, Status.ASSESSMENT),
    "award": (Status.ASSESSMENT, Status.AWARDED),
    "close": (Status.AWARDED, Status.CLOSED),
}


class RoundTransitionRefused(Exception):
    """The step is not possible now; `reasons` says what must be true first."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class AssessmentClosed(Exception):
    """Declarations and scores are frozen: the application has been decided (or withdrawn)."""
