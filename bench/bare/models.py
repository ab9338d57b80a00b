"""The one table the bare insert view writes (`bench.bare.schema`)."""

from django.db import models

from bench.bare.schema import TABLE


class BareRow(models.Model):
    note = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        managed = False
        db_table = TABLE

    def __str__(self) -> str:
        return self.note
