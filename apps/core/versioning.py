"""A version counter that moves when a row's material fields change.

Sign-offs pin the version of what they judged; a new version voids them.
"""

from django.db import models


class VersionedModel(models.Model):
    """Adds ``version``, bumped by ``save()`` when any of ``VERSIONED_FIELDS`` changed."""

    VERSIONED_FIELDS: tuple[str, ...] = ()

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        changed = self.material_changes()
        if changed:
            self.version += 1
            if "update_fields" in kwargs and kwargs["update_fields"] is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
        if changed:
            self.on_new_version(changed)

    def material_changes(self) -> list[str]:
        """Names of versioned fields whose value differs from the stored row."""
        if self._state.adding or self.pk is None:
            return []
        attnames = [self._meta.get_field(name).attname for name in self.VERSIONED_FIELDS]
        stored = type(self)._base_manager.filter(pk=self.pk).values(*attnames).first()
        if stored is None:
            return []
        return [
            name
            for name, attname in zip(self.VERSIONED_FIELDS, attnames, strict=True)
            if stored[attname] != getattr(self, attname)
        ]

    def on_new_version(self, changed: list[str]) -> None:
        """Hook for what a new version invalidates (sign-offs that judged the old one)."""
