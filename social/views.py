from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import user_by_handle
from core.errors import Invalid
from core.pagination import page_for

from . import selectors, services


def _back(request, person):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("walks:profile", username=person.profile.username)


@login_required
@require_POST
def follow(request, username: str):
    """The profile's buttons: follow, unfollow (or withdraw a request), block, unblock, remove a follower."""
    person = user_by_handle(handle=username)
    action = request.POST.get("action")
    me = request.user
    if action == "follow":
        result, _created = services.follow_create(follower=me, followee_id=person.pk)
        if result.status == "pending":
            messages.success(
                request, _("Request sent: %(name)s approves followers.") % {"name": person.profile.username}
            )
        else:
            messages.success(request, _("You follow %(name)s.") % {"name": person.profile.username})
    elif action == "unfollow":
        services.follow_delete(follower=me, followee_id=person.pk)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": person.profile.username})
    elif action == "block":
        services.block_create(blocker=me, blocked_id=person.pk)
        messages.success(request, _("You blocked %(name)s.") % {"name": person.profile.username})
    elif action == "unblock":
        services.block_delete(blocker=me, blocked_id=person.pk)
        messages.success(request, _("You unblocked %(name)s.") % {"name": person.profile.username})
    elif action == "remove":
        services.follower_remove(followee=me, follower_id=person.pk)
        messages.success(request, _("%(name)s no longer follows you.") % {"name": person.profile.username})
    else:
        raise Invalid(_("Unknown action."), code="invalid_action")
    return _back(request, person)


@login_required
@require_POST
def follow_request(request, follower_id: int):
    if request.POST.get("action") == "approve":
        services.follow_approve(followee=request.user, follower_id=follower_id)
        messages.success(request, _("Request approved."))
    else:
        services.follow_decline(followee=request.user, follower_id=follower_id)
        messages.success(request, _("Request declined."))
    return redirect("social:followers", username=request.user.profile.username)


def _people_page(request, username: str, *, which: str):
    person = user_by_handle(handle=username)
    if person.profile.username != username:
        return redirect(f"social:{which}", username=person.profile.username)
    selectors.visible_or_403(request.user, person)
    is_me = request.user.is_authenticated and request.user.pk == person.pk
    if which == "followers":
        rows = selectors.followers(user_id=person.pk)
        people_page = page_for(request, rows, per_page=30)
        people = [f.follower for f in people_page.object_list]
    else:
        rows = selectors.following(user_id=person.pk)
        people_page = page_for(request, rows, per_page=30)
        people = [f.followee for f in people_page.object_list]
    requests_ = []
    if is_me and which == "followers":
        requests_ = [f.follower for f in selectors.followers(user_id=person.pk, status="pending")[:100]]
    return render(
        request,
        "social/people.html",
        {
            "person": person,
            "which": which,
            "people": people,
            "page": people_page,
            "is_me": is_me,
            "requests": requests_,
        },
    )


@require_GET
def followers(request, username: str):
    return _people_page(request, username, which="followers")


@require_GET
def following(request, username: str):
    return _people_page(request, username, which="following")


@login_required
@require_POST
def settings_following(request):
    """Settings → Following: the private profile and the e-mails."""
    services.privacy_set(user=request.user, is_private=request.POST.get("is_private") == "on")
    services.preferences_update(
        user=request.user,
        notify_new_follower=request.POST.get("notify_new_follower") == "on",
        notify_follow_request=request.POST.get("notify_follow_request") == "on",
    )
    messages.success(request, _("Saved."))
    return redirect("/settings/#following")
