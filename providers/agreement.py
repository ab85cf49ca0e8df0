"""The first information-sharing agreement, published by a migration."""

FIRST_VERSION = "1.0"
FIRST_TITLE = "Information-sharing agreement for risk information"
FIRST_BODY = """\
1. Purpose
This agreement lets the probation service share with your organisation the information your staff need to work safely and effectively with people referred to your services: their risk of serious harm, what staff must know to stay safe, and the risk documents attached to a referral.

2. Lawful basis
Probation shares this information to carry out its statutory functions under the Offender Management Act 2007, as a competent authority processing personal data for law enforcement purposes under Part 3 of the Data Protection Act 2018. Your organisation processes it under the UK GDPR for the purpose of delivering the service it was referred to, and for no other purpose.

3. Who may see it
Only members of your staff who hold current risk awareness training, recorded in the portal, may see risk information and risk documents. The portal enforces this; you must not copy the information to anyone who could not see it in the portal.

4. Security
Keep risk information inside the portal. Do not download risk documents to personal devices. Use the portal's own accounts; never share a sign-in. Tell us at once when a member of staff leaves so that their account is deactivated.

5. Retention
Keep nothing outside the portal longer than the service needs it. The portal anonymises closed referrals and deletes their risk documents after the retention period.

6. Breaches
Report any loss, misuse or unauthorised disclosure of information shared under this agreement to the probation service within 24 hours of discovering it.

7. Accountability
Every view of risk information or a risk document is recorded with who, when and why. Probation may audit these records and may suspend access if this agreement is not kept.

8. Changes
When a new version of this agreement is published, your organisation must sign it again before its staff can see risk information.
"""


def publish_first_agreement(apps) -> None:
    """Publish version 1.0 unless it exists (`apps`: a migration's registry or django.apps.apps)."""
    Agreement = apps.get_model("providers", "InformationSharingAgreement")
    Agreement.objects.get_or_create(
        version=FIRST_VERSION, defaults={"title": FIRST_TITLE, "body": FIRST_BODY}
    )
