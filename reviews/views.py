from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.selectors import title_cached
from core.errors import ServiceError
from core.forms import add_service_error

from . import services
from .forms import ReviewForm, draft_keep


@login_required
@require_POST
def review_save(request, pk: int):
    """The title page's review form: create or update the caller's review."""
    title_cached(pk=pk)  # the title is in the URL: a missing one is a 404
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            _review, created = services.review_upsert(user=request.user, title_id=pk, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your review was published.") if created else _("Your review was updated."))
            return redirect(reverse("catalog:title", kwargs={"pk": pk}) + "#my-review")
    # Back to the title page (whose sort, filter and page links all work),
    # where the form shows what was typed and what was wrong with it.
    draft_keep(request, title_id=pk, form=form)
    return redirect(reverse("catalog:title", kwargs={"pk": pk}) + "#my-review")


@login_required
@require_POST
def review_delete(request, pk: int):
    title_id = request.POST.get("title_id", "")
    services.review_delete(user=request.user, review_id=pk)
    messages.success(request, _("Your review was deleted."))
    if title_id.isdigit():
        return redirect("catalog:title", pk=int(title_id))
    return redirect("walks:profile", username=request.user.profile.username)
