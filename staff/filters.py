from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Position, Staff, StaffState


class StaffFilter(django_filters.FilterSet):
    position = django_filters.ModelChoiceFilter(queryset=Position.objects.all(), help_text=_("Position id."))
    has_erp_access = django_filters.BooleanFilter(field_name="position__has_erp_access")
    state = django_filters.ChoiceFilter(choices=StaffState.choices, method="filter_state")
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
    class Meta:
        model = Position
        fields = ["has_erp_access"]
