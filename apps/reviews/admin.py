from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin import GovernedAdmin
from apps.core.errors import DomainError

from . import selectors, services
from .choices import PacketStatus
from .models import ReviewCycle, ReviewPacket, ReviewSignOff


class OpenCycleForm(forms.Form):
    year = forms.IntegerField(initial=services.previous_year)


@admin.register(ReviewCycle)
class ReviewCycleAdmin(GovernedAdmin):
    allow_revert = False  # a cycle's status moves only through the review services
    list_display = ["__str__", "status", "progress", "opened_by", "opened_at", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["opened_by"]
    readonly_fields = [
        "year",
        "period_start",
        "period_end",
        "status",
        "opened_by",
        "opened_at",
        "completed_at",
        "note",
    ]
    change_list_template = "admin/reviews/reviewcycle/change_list.html"

    def get_queryset(self, request):
        # Progress of every listed cycle in the list's one query instead of two per row.
        return selectors.cycles_with_progress(super().get_queryset(request))

    @admin.display(description="ready / total")
    def progress(self, cycle):
        failed = f", {cycle.packets_failed} failed" if cycle.packets_failed else ""
        return f"{cycle.packets_ready} / {cycle.packets_total}{failed}"

    def has_add_permission(self, request):
        return False  # cycles are opened through the "Open review cycle" page

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        opener = self.admin_site.admin_view(self.open_cycle_view)
        return [path("open/", opener, name="reviews_reviewcycle_open"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_open": services.can_open_cycle(request.user)}
        return super().changelist_view(request, extra_context)

    def open_cycle_view(self, request):
        """The "Open review cycle" action: pick a year; generation starts after commit."""
        if not services.can_open_cycle(request.user):
            raise PermissionDenied
        form = OpenCycleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                cycle = services.review_cycle_open(
                    year=form.cleaned_data["year"], user=request.user
                )
            except ValidationError as error:
                form.add_error("year", error.messages)
            except DomainError as error:
                form.add_error("year", error.message)
            else:
                self.message_user(
                    request,
                    f"{cycle} opened: {cycle.packets.count()} packets are being generated.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:reviews_reviewcycle_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Open review cycle",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reviews/reviewcycle/open.html", context)


@admin.register(ReviewPacket)
class ReviewPacketAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "version",
        "status",
        "attempts",
        "short_hash",
        "generated_at",
    ]
    list_filter = ["status", "scope", "cycle"]
    list_select_related = ["cycle"]
    search_fields = ["scope_label"]
    show_full_result_count = False
    # The content as it is stored: the canonical JSON its hash is taken of.
    exclude = ["data"]
    readonly_fields = [f.name for f in ReviewPacket._meta.fields if f.name != "data"]
    readonly_fields.append("stored_data")
    actions = ["regenerate"]

    @admin.display(description="hash")
    def short_hash(self, packet):
        return packet.content_hash[:12]

    @admin.display(description="data (canonical JSON)")
    def stored_data(self, packet):
        return ReviewPacket._meta.get_field("data").value_to_string(packet)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # packets are evidence: regenerate, never edit

    def has_delete_permission(self, request, obj=None):
        return False

    def has_regenerate_permission(self, request):
        return request.user.has_perm("reviews.regenerate_reviewpacket")

    @admin.action(description="Regenerate as a new version", permissions=["regenerate"])
    def regenerate(self, request, queryset):
        done, refused = 0, []
        for packet in queryset.filter(status__in=[PacketStatus.READY, PacketStatus.FAILED]):
            try:
                services.packet_regenerate(packet=packet, user=request.user)
                done += 1
            except DomainError as error:
                refused.append(f"{packet}: {error.message}")
        self.message_user(request, f"{done} packet(s) regenerating.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)


@admin.register(ReviewSignOff)
class ReviewSignOffAdmin(GovernedAdmin):
    allow_revert = False  # a sign-off is a record of who signed what
    list_display = ["packet", "role", "user", "signed_at"]
    list_filter = ["role"]
    list_select_related = ["packet__cycle", "user"]
    raw_id_fields = ["packet"]
    readonly_fields = ["packet", "role", "user", "comment", "signed_at"]

    def has_add_permission(self, request):
        return False  # sign off on the packet's page or through the API

    def has_delete_permission(self, request, obj=None):
        return False
