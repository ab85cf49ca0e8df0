"""Which agreements fund a service, for the registry's pages (without providers importing
commissioning)."""

from django import template

from commissioning.models import Agreement, AgreementService

register = template.Library()


@register.inclusion_tag("commissioning/_funded_by.html")
def funded_by(service):
    funding = (
        AgreementService.objects.filter(
            service=service,
            agreement__status__in=[Agreement.Status.MOBILISING, Agreement.Status.LIVE],
        )
        .select_related("agreement__lot__funding_round")
        .order_by("agreement__starts_on")
    )
    return {"funding": funding}
