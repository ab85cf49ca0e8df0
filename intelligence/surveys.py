"""The questions a gap and partnership survey asks, fixed in code per audience and versioned:
a survey keeps the version it was scheduled with, so its answers always read against the
questions that were asked.

Kinds of question:
- `rating`: 1 to 5 on the question's scale;
- `categories`: any of the service categories (gaps in provision);
- `category`: one service category, optional (what a free-text answer is about);
- `text`: free text, optional, grouped in the results by the answer's `category` question;
- `services`: confidence 1 to 5 in named services of the respondent's PDU (practitioners).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intelligence.models import SurveyAudience

RATING_VALUES = [1, 2, 3, 4, 5]
TEXT_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: str
    hint: str = ""
    required: bool = False
    # A rating's scale, lowest first: one label per value.
    scale: tuple[str, ...] = ()
    # A text question's category question, its answers grouped by.
    grouped_by: str = ""
    choices: tuple = field(default=())


CONFIDENCE = ("No confidence", "Little", "Some", "Good", "Complete confidence")
QUALITY = ("Very poor", "Poor", "Adequate", "Good", "Very good")

QUESTIONS: dict[int, dict[str, list[Question]]] = {
    1: {
        SurveyAudience.PRACTITIONERS: [
            Question(
                "gaps",
                "categories",
                "Which kinds of service are missing or too scarce for the people you supervise?",
                hint="Select all that apply.",
            ),
            Question(
                "finding",
                "rating",
                "How easy is it to find a suitable service for the people you supervise?",
                required=True,
                scale=("Very hard", "Hard", "Neither easy nor hard", "Easy", "Very easy"),
            ),
            Question(
                "confidence",
                "services",
                "How confident are you in these services in your area?",
                hint="Rate the services you know. Leave the others.",
                scale=CONFIDENCE,
            ),
            Question(
                "wish_category",
                "category",
                "If a service existed that you would refer to, what kind would it be?",
            ),
            Question(
                "wish",
                "text",
                "What would you refer people to if it existed?",
                hint="Do not name or describe anyone on probation.",
                grouped_by="wish_category",
            ),
        ],
        SurveyAudience.PROVIDER_STAFF: [
            Question(
                "gaps",
                "categories",
                "Which needs do you see that no service in the area meets?",
                hint="Select all that apply.",
            ),
            Question(
                "referral_quality",
                "rating",
                "How good is the information in the referrals you receive?",
                required=True,
                scale=QUALITY,
            ),
            Question(
                "partnership",
                "rating",
                "How well does the partnership with probation work for your organisation?",
                required=True,
                scale=QUALITY,
            ),
            Question(
                "comment_category",
                "category",
                "What kind of service is your comment about?",
            ),
            Question(
                "comment",
                "text",
                "What would make the partnership work better?",
                hint="Do not name or describe anyone on probation.",
                grouped_by="comment_category",
            ),
        ],
    }
}
CURRENT_VERSION = max(QUESTIONS)


def questions_for(*, audience: str, version: int = CURRENT_VERSION) -> list[Question]:
    """The questions a survey to the audience asks, at the version it was scheduled with."""
    return QUESTIONS[version][audience]
