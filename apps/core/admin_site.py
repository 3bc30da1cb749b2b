"""Covenant's admin site: Django's, plus pages that are not a ModelAdmin's listed with their app.

Django 5.2's admin cannot register a model with a composite primary key (SLISample); its pages
are plain admin views, and ``add_page`` lists them on the index and app pages like a model's.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse
from django.utils.text import capfirst


class CovenantAdminSite(admin.AdminSite):
    site_header = "Covenant administration"
    site_title = "Covenant admin"
    index_title = "Engineering and administration"

    def __init__(self, name="admin"):
        super().__init__(name)
        self._pages = []

    def add_page(self, model, *, changelist: str, add: str | None = None) -> None:
        """List ``model`` with its app, linking to these URL names (the view checks access)."""
        self._pages.append((model, changelist, add))

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        apps = {app["app_label"]: app for app in app_list}
        for model, changelist, add in self._pages:
            opts = model._meta
            if app_label not in (None, opts.app_label):
                continue
            may = {
                action: request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
                for action in ("add", "change", "delete", "view")
            }
            if not may["view"]:
                continue
            app = apps.get(opts.app_label)
            if app is None:
                app = apps[opts.app_label] = {
                    "name": opts.app_config.verbose_name,
                    "app_label": opts.app_label,
                    "app_url": reverse(
                        f"{self.name}:app_list", kwargs={"app_label": opts.app_label}
                    ),
                    "has_module_perms": True,
                    "models": [],
                }
                app_list.append(app)
            app["models"].append(
                {
                    "model": model,
                    "name": capfirst(opts.verbose_name_plural),
                    "object_name": opts.object_name,
                    "perms": may,
                    "admin_url": reverse(changelist),
                    "add_url": reverse(add) if add and may["add"] else None,
                    "view_only": not may["change"],
                }
            )
            app["models"].sort(key=lambda entry: entry["name"])
        app_list.sort(key=lambda app: app["name"].lower())
        return app_list


class CovenantAdminConfig(AdminConfig):
    """django.contrib.admin with CovenantAdminSite as the default ``admin.site``."""

    default_site = "apps.core.admin_site.CovenantAdminSite"
