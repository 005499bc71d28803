from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ServiceError
from core.forms import add_service_error

from . import selectors, services
from .api_views import report_response
from .forms import AccountDeleteForm, ConfirmForm, ImportForm
from .models import Plan


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Upload a file: it is parsed and planned, then shown as a preview."""
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = services.import_upload(
                    user=request.user,
                    source=form.cleaned_data["source"],
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                return redirect("imports:job", pk=job.pk)
        status = 400
    context = {"form": form, "jobs": selectors.user_jobs(user=request.user)}
    return render(request, "imports/start.html", context, status=status)


@never_cache
@login_required
@require_GET
def import_job(request, pk: int):
    """The preview, the progress bar or the result, by the job's status."""
    job = selectors.user_job(user=request.user, job_id=pk)
    context = {"job": job, "plans": Plan}
    if job.status == "preview":
        context["samples"] = selectors.job_samples(job=job)
        context["confirm_form"] = ConfirmForm(initial={"held": job.held})
    return render(request, "imports/job.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    form = ConfirmForm(request.POST)
    held = form.cleaned_data.get("held") or None if form.is_valid() else None
    try:
        services.import_confirm(user=request.user, job_id=pk, held=held)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect("imports:job", pk=pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    try:
        services.import_cancel(user=request.user, job_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("imports:job", pk=pk)
    messages.success(request, _("The import was cancelled."))
    return redirect("imports:start")


@login_required
@require_GET
def import_report(request, pk: int):
    return report_response(selectors.user_job(user=request.user, job_id=pk))


# --- Settings → Your data ---------------------------------------------------------------------


@login_required
@require_GET
def export(request):
    from .api_views import export_response

    try:
        return export_response(user=request.user, fmt=request.GET.get("format") or "json")
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("/settings/#your-data")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """The confirmation step: the password (or an e-mailed code), and a tick."""
    from django.contrib.auth import logout

    from accounts.services import account_delete_code_send
    from core.ratelimit import client_ip

    has_password = request.user.has_usable_password()
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and request.POST.get("send_code") and not has_password:
        try:
            account_delete_code_send(user=request.user, ip=client_ip(request))
        except ServiceError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("We sent a code to %(email)s.") % {"email": request.user.email})
        return redirect("imports:account_delete")
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(
                user=request.user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account and all your data have been deleted. Goodbye."))
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/account_delete.html", {"form": form, "has_password": has_password}, status=status)
