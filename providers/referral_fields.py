"""What a service may require a referral to include, as referral field keys.

The referral form enforces the chosen keys at send; the portal's own minimum (risk levels,
reason for referral) is always required on top.
"""

REFERRAL_FIELDS = [
    ("date_of_birth", "Date of birth"),
    ("contact_details", "Contact details (phone or address)"),
    ("sentence", "Sentence type and end date"),
    ("release_date", "Expected release date (custody)"),
    ("complexity_level", "Complexity level"),
    ("desired_outcomes", "Desired outcomes"),
    ("accessibility_needs", "Accessibility needs"),
    ("interpreter_needs", "Interpreter needs"),
    ("availability", "When the person is available"),
    ("risk_summary", "Summary of risks"),
    ("risk_to_self", "Risk to self"),
    ("staff_safety", "What staff must know to stay safe"),
    ("risk_documents", "Risk documents"),
]
