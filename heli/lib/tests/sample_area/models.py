from __future__ import annotations

from django.db import models

from heli.org.models import TenantModel, Unit


class Thing(TenantModel):
    """A record of the sample area: a unit's matter that a task can follow."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_id: int
    title = models.CharField(max_length=200)
    handled = models.BooleanField(default=False)

    objects: models.Manager[Thing] = models.Manager()

    class Meta:
        app_label = "sample_area"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/sample/{self.pk}/"
