from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ServiceError

from .forms import StaffAdminForm
from .models import Position, Staff, StaffState
from .serializers import activation_url
from .services import staff_create, staff_deactivate, staff_update, staff_user_issue


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("name", "has_erp_access", "staff_count")
    list_filter = ("has_erp_access",)
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_staff_count=Count("staff"))

    @admin.display(description=_("staff"), ordering="_staff_count")
    def staff_count(self, obj):
        return obj._staff_count


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return StaffState.choices

    def queryset(self, request, queryset):
        return queryset.in_state(self.value()) if self.value() else queryset


class ErpAccessFilter(admin.SimpleListFilter):
    title = _("ERP access")
    parameter_name = "erp_access"

    def lookups(self, request, model_admin):
        return (("1", _("Yes")), ("0", _("No")))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(position__has_erp_access=self.value() == "1")
        return queryset


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["staff/admin.css"]}

    form = StaffAdminForm
    # The state first: it is what an admin scans the list for.
    list_display = ("full_name", "state_badge", "position", "erp_access", "email", "phone", "created_at")
    list_filter = (StateFilter, "position", ErpAccessFilter, "created_at")
    search_fields = ("full_name", "email", "phone")
    search_help_text = _("Name, e-mail or phone")
    list_per_page = 50
    actions = ["issue_activation", "deactivate_users"]
    readonly_fields = ("state_badge", "activation_expiry", "user", "created_at", "creator")

    def get_queryset(self, request):
        return Staff.objects.with_related()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["full_name", "email", "phone", "position"]
        return [
            "full_name",
            "email",
            "phone",
            "position",
            "state_badge",
            "activation_expiry",
            "user",
            "created_at",
            "creator",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.user_id:
            # The e-mail is the user's login now; it is changed on the account.
            return (*self.readonly_fields, "email")
        return self.readonly_fields

    @admin.display(description=_("ERP access"), boolean=True, ordering="position__has_erp_access")
    def erp_access(self, obj):
        return obj.position.has_erp_access

    @admin.display(description=_("state"))
    def state_badge(self, obj):
        # Colours live in staff/admin.css: the CSP allows no style= attribute.
        state = obj.state
        return format_html('<span class="staff-state staff-state--{}">{}</span>', state, StaffState(state).label)

    @admin.display(description=_("activation code expires"))
    def activation_expiry(self, obj):
        expires = getattr(obj, "activation_expires_at", None)
        if expires:
            return date_format(expires, "DATETIME_FORMAT")
        if obj.state == StaffState.PENDING:
            return _("no valid code: issue a new one")
        return "—"

    @admin.display(description=_("created by"))
    def creator(self, obj):
        who = obj.created_by
        if who is None:
            return "—"
        kind = _("bot") if who["type"] == "service_token" else _("person")
        return f"{who['name']} ({kind})"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                staff_update(
                    staff=obj,
                    full_name=data["full_name"],
                    email=data.get("email", obj.email),
                    phone=data["phone"],
                    position=data["position"],
                )
            else:
                staff, _code = staff_create(
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    position=data["position"],
                    created_by_user=request.user,
                )
                obj.pk = staff.pk
                obj.refresh_from_db()
        except ServiceError as exc:  # a race after the form's own check
            self.message_user(request, str(exc.detail), messages.ERROR)

    @admin.action(description=_("Create the user / issue a new activation code"), permissions=["change"])
    def issue_activation(self, request, queryset):
        for staff in queryset.order_by("full_name"):
            try:
                staff, issued, _created = staff_user_issue(staff=staff, by_user=request.user, reveal_to_admin=True)
            except ServiceError as exc:
                self.message_user(request, f"{staff.full_name}: {exc.detail}", messages.ERROR)
                continue
            # Shown once through the messages framework; only a hash is kept.
            self.message_user(
                request,
                format_html(
                    _(
                        "{name}: activation code <strong class='staff-code'>{code}</strong>"
                        " (valid until {expires}). Give it to the employee now, it will not be shown again; "
                        "they activate at {url}"
                    ),
                    name=staff.full_name,
                    code=issued.code,
                    expires=date_format(issued.expires_at, "DATETIME_FORMAT"),
                    url=activation_url(),
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Deactivate the user (ends sessions and tokens)"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        done = 0
        for staff in queryset:
            try:
                staff_deactivate(staff=staff, by_user=request.user)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{staff.full_name}: {exc.detail}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("Deactivated %(n)d user.", "Deactivated %(n)d users.", done) % {"n": done},
                messages.SUCCESS,
            )
