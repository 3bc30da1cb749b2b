from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Covenant core"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="covenant-sync-role-permissions")
