from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, StrictBooleanFilter, StrictChoiceFilter

from .models import Position, Staff, StaffState


class StaffFilter(django_filters.FilterSet):
    # An unknown position is an empty list, not a 400: which ids exist is not the schema's to say.
    position = IdFilter(field_name="position_id", help_text=_("Position id."))
    has_erp_access = StrictBooleanFilter(field_name="position__has_erp_access")
    state = StrictChoiceFilter(choices=StaffState.choices, method="filter_state")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text=_("Name, e-mail or phone."))

    class Meta:
        model = Staff
        fields = ["position", "has_erp_access", "state", "email", "search"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value) | Q(phone__icontains=value))


class PositionFilter(django_filters.FilterSet):
    has_erp_access = StrictBooleanFilter()

    class Meta:
        model = Position
        fields = ["has_erp_access"]
