"""The portal's own tables."""

from django.db import models


class ReferenceVersion(models.Model):
    """When a reference table was last written: a number a PostgreSQL trigger on the table draws from a sequence at
    every statement that writes it.

    ``portal.common.refcache`` keeps reference rows (centres, communes, processing units, the catalogue, staff
    memberships) per process and compares these stamps to know when to drop them. A statement-level trigger sees
    every write, whatever its path (the ORM, ``bulk_create``, ``QuerySet.update()``, raw SQL, ``TRUNCATE``); the
    stamp is written in the writer's transaction, so other processes see it change exactly when they can see the
    rows; and a sequence never gives a number twice, so a write that is rolled back and a later one can never leave
    the same stamp.
    """

    table = models.CharField(max_length=63, primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.table}: {self.stamp}"
