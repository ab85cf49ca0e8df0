"""Provider organisations. The registry fills this out; for now it anchors provider staff."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Organisation(models.Model):
    """A voluntary and community sector organisation that delivers services."""

    name = models.CharField(max_length=200)
    org_id = models.CharField(
        "org-id", max_length=40, blank=True, help_text="An org-id identifier, such as GB-CHC-1234567"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["org_id"], condition=~Q(org_id=""), name="organisation_org_id_unique")
        ]

    def __str__(self) -> str:
        return self.name
