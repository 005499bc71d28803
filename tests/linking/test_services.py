from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, RateLimited
from linking import selectors, services
from linking.models import AccountSwitch, LinkSecret, LinkStatus
from linking.tasks import expire_link_offers
from tests.factories import UserFactory

from .helpers import age, link, offer

pytestmark = pytest.mark.django_db


# --- creating an offer --------------------------------------------------------------------


def test_offer_stores_only_the_hash_and_builds_the_link_from_site_url(a, b, settings):
    settings.SITE_URL = "https://walks.example"
    created = offer(a, b)
    row = LinkSecret.objects.get()
    assert row.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in row.secret_hash
    assert len(created.secret) >= 43  # token_urlsafe(32)
    assert created.link == f"https://walks.example/link/?secret={created.secret}"
    assert (row.source_user, row.target_user, row.status) == (a, b, LinkStatus.SYN)
    assert timedelta(days=7) - timedelta(seconds=5) < row.expires_at - row.created_at <= timedelta(days=7)


def test_offer_to_own_email_is_refused_case_insensitively(a):
    with pytest.raises(Invalid) as exc:
        services.link_offer_create(user=a, email="  ALICE@Example.com ")
    assert exc.value.code == "link_self"
    assert not LinkSecret.objects.exists()


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive@example.com", "staff@example.com"])
def test_offer_to_an_address_no_linkable_account_has_looks_made_and_never_arrives(
    a, email, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    """No oracle for registered addresses: the offer is made as for a real
    account (a row, a secret, a link), with no account behind it and no mail."""
    UserFactory(email="inactive@example.com", is_active=False)
    UserFactory(email="staff@example.com", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.link_offer_create(user=a, email=email.upper())
    row = LinkSecret.objects.get()
    assert (row.source_user, row.target_user, row.target_email, row.status) == (a, None, email, LinkStatus.SYN)
    assert created.link.endswith(f"?secret={created.secret}") and created.offer.target_email == email
    assert mailoutbox == []
    assert email not in caplog.text
    # whoever presents its secret is told what anyone but the target is told
    for someone in User.objects.exclude(pk=a.pk):
        with pytest.raises(NotFound) as exc:
            services.link_offer_view(user=someone, secret=created.secret)
        assert exc.value.code == "link_not_found"
    # and it is in A's own list exactly like a real one
    assert list(selectors.offers_outgoing(a)) == [row]


def test_known_and_unknown_addresses_are_answered_alike(a, b):
    known = services.link_offer_create(user=a, email=b.email)
    unknown = services.link_offer_create(user=a, email="nobody@example.com")
    assert type(known) is type(unknown)
    assert known.offer.status == unknown.offer.status == LinkStatus.SYN
    assert known.offer.expires_at - known.offer.created_at == unknown.offer.expires_at - unknown.offer.created_at
    assert len(known.secret) == len(unknown.secret)
    # a second offer to an unknown address replaces the first, as for a real one
    again = services.link_offer_create(user=a, email="nobody@example.com")
    assert LinkSecret.objects.get(pk=unknown.offer.pk).status == LinkStatus.CANCELLED
    assert {o.pk for o in selectors.offers_outgoing(a)} == {known.offer.pk, again.offer.pk}


def test_a_linked_account_is_refused_alike_for_known_and_unknown_addresses(a, b, c):
    link(a, b)
    for email in (c.email, "nobody@example.com"):
        with pytest.raises(Conflict) as exc:
            services.link_offer_create(user=a, email=email)
        assert exc.value.code == "already_linked"


def test_the_pair_limit_counts_unknown_addresses_too(a, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link-offer-pair": (2, 3600)}
    for _ in range(2):
        services.link_offer_create(user=a, email="nobody@example.com")
    with pytest.raises(RateLimited):
        services.link_offer_create(user=a, email="nobody@example.com")


def test_second_offer_to_the_same_account_replaces_the_first(a, b):
    first = offer(a, b)
    second = offer(a, b)
    assert first.secret != second.secret
    assert LinkSecret.objects.get(pk=first.offer.pk).status == LinkStatus.CANCELLED
    with pytest.raises(Gone) as exc:
        services.link_offer_view(user=b, secret=first.secret)
    assert exc.value.code == "link_withdrawn"
    assert services.link_offer_view(user=b, secret=second.secret).status == LinkStatus.ACK


def test_an_account_already_in_a_group_cannot_offer_to_join_another(a, b, c):
    link(a, b)
    with pytest.raises(Conflict) as exc:
        offer(a, c)
    assert exc.value.code == "already_linked"
    with pytest.raises(Conflict) as exc:
        offer(b, c)  # the host of a group is in it too
    assert exc.value.code == "already_linked"
    assert LinkSecret.objects.filter(status=LinkStatus.SYN).count() == 0


def test_accounts_already_linked_together_get_their_own_code(a, b):
    link(a, b)
    with pytest.raises(Conflict) as exc:
        offer(a, b)
    assert exc.value.code == "already_linked_together"
    with pytest.raises(Conflict) as exc:
        offer(b, a)
    assert exc.value.code == "already_linked_together"


def test_only_one_open_offer_per_address_in_the_database(a, b):
    offer(a, b)
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkSecret.objects.create(
            secret_hash="x" * 64,
            source_user=a,
            target_user=b,
            target_email=b.email,
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_offers_are_rate_limited_per_account(a):
    targets = [UserFactory() for _ in range(11)]
    for target in targets[:10]:
        offer(a, target)
    with pytest.raises(RateLimited) as exc:
        offer(a, targets[10])
    assert exc.value.headers["Retry-After"]
    assert LinkSecret.objects.count() == 10


def test_offers_to_one_account_are_rate_limited_per_pair(a, b):
    for _ in range(5):
        offer(a, b)
    with pytest.raises(RateLimited):
        offer(a, b)
    assert LinkSecret.objects.filter(status=LinkStatus.SYN).count() == 1


# --- B looks at the offer ----------------------------------------------------------------


def test_viewing_marks_ack_and_is_safe_to_repeat(a, b):
    created = offer(a, b)
    seen = services.link_offer_view(user=b, secret=created.secret)
    assert seen.status == LinkStatus.ACK and seen.source_user == a and seen.acked_at
    again = services.link_offer_view(user=b, secret=created.secret)
    assert again.status == LinkStatus.ACK and again.acked_at == seen.acked_at
    assert LinkSecret.objects.get().status == LinkStatus.ACK


def test_a_secret_presented_by_someone_else_is_not_found_and_changes_nothing(a, b, c):
    created = offer(a, b)
    for caller, code in ((c, "link_not_found"), (a, "link_own_offer")):
        for call in (services.link_offer_view, services.link_confirm, services.link_decline):
            with pytest.raises(NotFound) as exc:
                call(user=caller, secret=created.secret)
            assert exc.value.code == code
    with pytest.raises(NotFound) as exc:
        services.link_offer_view(user=c, secret="not-a-secret")
    assert exc.value.code == "link_not_found"
    assert LinkSecret.objects.get().status == LinkStatus.SYN
    assert User.objects.exclude(group_uuid=None).count() == 0


def test_answering_by_id_is_only_for_the_target(a, b, c):
    created = offer(a, b)
    with pytest.raises(NotFound):
        services.link_confirm(user=c, offer_id=created.offer.pk)
    with pytest.raises(NotFound):
        services.link_confirm(user=b, offer_id=created.offer.pk + 100)
    services.link_confirm(user=b, offer_id=created.offer.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.group_uuid == b.group_uuid is not None


def test_guessing_secrets_is_rate_limited(a, b):
    created = offer(a, b)
    for n in range(20):
        with pytest.raises(NotFound):
            services.link_offer_view(user=b, secret=f"guess-{n}")
    with pytest.raises(RateLimited):
        services.link_offer_view(user=b, secret=created.secret)


# --- B confirms --------------------------------------------------------------------------


def test_confirm_puts_a_in_bs_new_group(a, b):
    created = offer(a, b)
    done = services.link_confirm(user=b, secret=created.secret)
    a.refresh_from_db()
    b.refresh_from_db()
    assert done.status == LinkStatus.FIN and done.closed_at
    assert a.group_uuid is not None and a.group_uuid == b.group_uuid
    assert a.group_uuid not in (a.uuid, b.uuid)  # a fresh id, not someone's public uuid


def test_a_joins_the_existing_group_of_b_making_three(a, b, c):
    link(b, c)  # b joins c's group
    group = c.group_uuid
    link(a, b)  # a joins that same group through b
    assert {u.group_uuid for u in (a, b)} == {group}
    c.refresh_from_db()
    assert c.group_uuid == group
    assert User.objects.filter(group_uuid=group).count() == 3


def test_a_used_secret_is_gone(a, b):
    created = link(a, b)
    for call in (services.link_offer_view, services.link_confirm, services.link_decline):
        with pytest.raises(Gone) as exc:
            call(user=b, secret=created.secret)
        assert exc.value.code == "link_used"


def test_an_expired_secret_is_gone_and_the_offer_becomes_expired(a, b):
    created = offer(a, b)
    age(created)
    with pytest.raises(Gone) as exc:
        services.link_confirm(user=b, secret=created.secret)
    assert exc.value.code == "link_expired"
    assert LinkSecret.objects.get().status == LinkStatus.EXPIRED  # kept though the call failed
    a.refresh_from_db()
    assert a.group_uuid is None


def test_an_offer_dies_when_its_maker_becomes_the_host_of_a_group(a, b, c):
    first = offer(a, b)
    link(c, a)  # c joins a: a now shares a group and cannot join b's
    with pytest.raises(Gone) as exc:
        services.link_confirm(user=b, secret=first.secret)
    assert exc.value.code == "link_withdrawn"
    b.refresh_from_db()
    assert b.group_uuid is None


def test_joining_withdraws_open_offers_of_the_group(a, b, c):
    to_c = offer(a, c)
    link(a, b)
    assert LinkSecret.objects.get(pk=to_c.offer.pk).status == LinkStatus.CANCELLED
    with pytest.raises(Gone) as exc:
        services.link_confirm(user=c, secret=to_c.secret)
    assert exc.value.code == "link_withdrawn"


def test_confirm_refuses_when_a_stays_in_a_group_by_another_path(a, b, c):
    """An offer made while A was alone cannot complete once A is in a group,
    even if nothing withdrew it (rows written before this rule, admin edits)."""
    created = offer(a, b)
    link(c, a)
    LinkSecret.objects.filter(pk=created.offer.pk).update(status=LinkStatus.SYN, closed_at=None)
    with pytest.raises(Conflict) as exc:
        services.link_confirm(user=b, secret=created.secret)
    assert exc.value.code == "already_linked"
    b.refresh_from_db()
    assert b.group_uuid is None


# --- decline and withdraw ----------------------------------------------------------------


def test_decline_kills_the_secret(a, b):
    created = offer(a, b)
    services.link_decline(user=b, secret=created.secret)
    assert LinkSecret.objects.get().status == LinkStatus.DECLINED
    with pytest.raises(Gone) as exc:
        services.link_confirm(user=b, secret=created.secret)
    assert exc.value.code == "link_declined"


def test_a_can_withdraw_its_open_offer_and_nobody_else_can(a, b, c):
    created = offer(a, b)
    for someone in (b, c):
        with pytest.raises(NotFound):
            services.link_offer_cancel(user=someone, offer_id=created.offer.pk)
    services.link_offer_cancel(user=a, offer_id=created.offer.pk)
    with pytest.raises(Gone) as exc:
        services.link_confirm(user=b, secret=created.secret)
    assert exc.value.code == "link_withdrawn"
    with pytest.raises(Gone):
        services.link_offer_cancel(user=a, offer_id=created.offer.pk)


def test_transitions_only_go_forward(a, b):
    row = offer(a, b).offer
    row.move_to(LinkStatus.ACK)
    row.move_to(LinkStatus.ACK)  # repeating a look is fine
    row.move_to(LinkStatus.FIN)
    for status in (LinkStatus.SYN, LinkStatus.ACK, LinkStatus.DECLINED, LinkStatus.EXPIRED, LinkStatus.FIN):
        with pytest.raises(ValueError, match="cannot go"):
            row.move_to(status)


def test_periodic_expiry_marks_overdue_offers(a, b, c):
    old = offer(a, b)
    fresh = offer(a, c)
    age(old)
    assert expire_link_offers.delay().get() == 1
    assert LinkSecret.objects.get(pk=old.offer.pk).status == LinkStatus.EXPIRED
    assert LinkSecret.objects.get(pk=fresh.offer.pk).status == LinkStatus.SYN


# --- leaving -----------------------------------------------------------------------------


def test_leaving_a_group_of_two_clears_both(a, b):
    link(a, b)
    services.group_leave(user=b)
    assert list(User.objects.filter(pk__in=[a.pk, b.pk]).values_list("group_uuid", flat=True)) == [None, None]


def test_leaving_a_group_of_three_keeps_the_other_two(a, b, c):
    link(b, c)
    link(a, b)
    group = a.group_uuid
    services.group_leave(user=a)
    assert User.objects.get(pk=a.pk).group_uuid is None
    assert set(User.objects.filter(group_uuid=group)) == {b, c}


def test_removing_another_member(a, b, c):
    link(b, c)
    link(a, b)
    services.group_leave(user=a, member_id=c.pk)
    assert User.objects.get(pk=c.pk).group_uuid is None
    assert User.objects.get(pk=a.pk).group_uuid == User.objects.get(pk=b.pk).group_uuid is not None


def test_removing_someone_outside_the_group_is_404(a, b, c):
    link(a, b)
    with pytest.raises(NotFound) as exc:
        services.group_leave(user=a, member_id=c.pk)
    assert exc.value.code == "not_in_group"
    assert User.objects.get(pk=b.pk).group_uuid is not None


def test_leaving_without_a_group_is_409(a):
    with pytest.raises(Conflict) as exc:
        services.group_leave(user=a)
    assert exc.value.code == "not_linked"


def test_after_leaving_a_can_link_elsewhere(a, b, c):
    link(a, b)
    services.group_leave(user=a)
    a.refresh_from_db()
    link(a, c)
    assert a.group_uuid == c.group_uuid


# --- switching ---------------------------------------------------------------------------


def test_switch_inside_the_group_is_logged(a, b):
    link(a, b)
    target = services.account_switch(user=b, target_id=a.pk, ip="203.0.113.9")
    assert target == a
    log = AccountSwitch.objects.get()
    assert (log.from_user, log.to_user, log.channel, log.ip) == (b, a, "web", "203.0.113.9")


def test_switch_outside_the_group_is_refused(a, b, c):
    link(a, b)
    for target in (c, UserFactory(is_active=False)):
        with pytest.raises(Forbidden) as exc:
            services.account_switch(user=a, target_id=target.pk)
        assert exc.value.code == "not_linked_account"
    with pytest.raises(Forbidden):
        services.account_switch(user=c, target_id=a.pk)
    with pytest.raises(Invalid):
        services.account_switch(user=a, target_id=a.pk)
    assert not AccountSwitch.objects.exists()


def test_unlinking_ends_switching(a, b):
    link(a, b)
    services.group_leave(user=a)
    with pytest.raises(Forbidden):
        services.account_switch(user=b, target_id=a.pk)


def test_switch_reads_the_group_at_that_moment(a, b):
    link(a, b)
    stale_b = User.objects.get(pk=b.pk)  # loaded while linked
    services.group_leave(user=a)
    with pytest.raises(Forbidden):
        services.account_switch(user=stale_b, target_id=a.pk)


# --- e-mail ------------------------------------------------------------------------------


def test_offer_mails_b_in_bs_language_without_the_secret(a, b, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=b.pk).update(locale="ru")
    b.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        created = offer(a, b)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["bob@example.com"]
    assert "alice" in message.subject and "связать" in message.subject
    assert "alice@example.com" in message.body
    assert created.secret not in message.body
    assert created.secret not in message.alternatives[0][0]


def test_link_and_unlink_mail_everyone_in_their_language(a, b, c, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=a.pk).update(locale="ru")
    a.refresh_from_db()
    created = offer(a, b)
    with django_capture_on_commit_callbacks(execute=True):
        services.link_confirm(user=b, secret=created.secret)
    made = {m.to[0]: m for m in mailoutbox}
    assert set(made) == {"alice@example.com", "bob@example.com"}
    assert "связаны" in made["alice@example.com"].subject
    assert "are now linked" in made["bob@example.com"].subject
    mailoutbox.clear()
    a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.group_leave(user=a)
    removed = {m.to[0]: m for m in mailoutbox}
    assert set(removed) == {"alice@example.com", "bob@example.com"}
    assert "no longer linked" in removed["bob@example.com"].subject
    assert "alice" in removed["bob@example.com"].body


def test_a_third_account_joining_is_told_to_the_whole_group(a, b, c, mailoutbox, django_capture_on_commit_callbacks):
    link(b, c)
    created = offer(a, b)
    with django_capture_on_commit_callbacks(execute=True):
        services.link_confirm(user=b, secret=created.secret)
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert all("carol" in m.body and "alice" in m.body for m in mailoutbox)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_privileged_accounts_cannot_be_linked(a, b, flag):
    """Switching needs no password and no second factor: it must never lead
    into an account that reaches the admin."""
    User.objects.filter(pk=b.pk).update(**{flag: True})
    b.refresh_from_db()
    created = services.link_offer_create(user=a, email=b.email)  # answered like an unknown address
    assert created.offer.target_user is None
    with pytest.raises(NotFound):
        services.link_confirm(user=b, secret=created.secret)
    with pytest.raises(Forbidden) as exc:
        services.link_offer_create(user=b, email=a.email)
    assert exc.value.code == "privileged_account"
    assert not LinkSecret.objects.filter(target_user__isnull=False).exists()


def test_an_offer_to_someone_made_staff_before_accepting_is_refused(a, b):
    created = offer(a, b)
    User.objects.filter(pk=a.pk).update(is_staff=True)
    with pytest.raises(Forbidden) as exc:
        services.link_confirm(user=b, secret=created.secret)
    assert exc.value.code == "privileged_account"
    b.refresh_from_db()
    assert b.group_uuid is None or not User.objects.filter(group_uuid=b.group_uuid).exclude(pk=b.pk).exists()


@pytest.mark.parametrize("who", ["target", "me"])
def test_no_switch_into_or_out_of_an_account_made_staff_after_linking(a, b, who):
    link(a, b)
    User.objects.filter(pk=(a if who == "target" else b).pk).update(is_superuser=True)
    b.refresh_from_db()
    with pytest.raises(Forbidden) as exc:
        services.account_switch(user=b, target_id=a.pk)
    assert exc.value.code == "privileged_account"
    assert not AccountSwitch.objects.exists()
