from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.title_page import title_with_mine
from catalog.views import title_page_context
from core.errors import ServiceError
from core.forms import add_service_error

from . import services
from .forms import ReviewForm


@login_required
@require_POST
def review_save(request, pk: int):
    """The title page's review form: create or update the caller's review."""
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            _review, created = services.review_upsert(user=request.user, title_id=pk, **form.cleaned_data)
        except ServiceError as exc:
            if exc.code == "title_not_found":
                return render(request, "error.html", {"status": 404, "detail": _("No such title.")}, status=404)
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your review was published.") if created else _("Your review was updated."))
            return redirect("catalog:title", pk=pk)
    try:
        title, walk, review = title_with_mine(pk=pk, user=request.user)
    except ServiceError as exc:
        return render(request, "error.html", {"status": exc.status, "detail": exc.detail}, status=exc.status)
    context = title_page_context(request, title, walk, review, review_form=form)
    return render(request, "catalog/title_detail.html", context, status=400)


@login_required
@require_POST
def review_delete(request, pk: int):
    title_id = request.POST.get("title_id", "")
    try:
        services.review_delete(user=request.user, review_id=pk)
    except ServiceError as exc:
        return render(request, "error.html", {"status": exc.status, "detail": exc.detail}, status=exc.status)
    messages.success(request, _("Your review was deleted."))
    if title_id.isdigit():
        return redirect("catalog:title", pk=int(title_id))
    return redirect("walks:profile", pk=request.user.pk)
