"""Reviews and the titles' ratings.

Every create, change or delete of a review marks its title's rating stale
(a :class:`~reviews.models.RatingMark`, in the write's transaction) and,
once it commits, queues ``reviews.tasks.drain_rating_marks`` unless a drain
is queued already: writes to one title, or to many, between two drains cost
one recompute statement per batch of titles, not one task per write.
:func:`title_rating_marks_drain` and :func:`title_rating_recompute` (the
hourly reconciliation) are the only writers of ``Title.rating`` and
``Title.rating_count``. Where Celery runs eagerly (the embedded default) the
drain runs at the commit, so the rating is exact when the write returns.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import title_scope
from catalog.models import Title
from catalog.selectors import TITLE_BRIEF, title_for_write
from catalog.services import titles_changed
from core import broker, sync
from core.cache import bump, bump_existing
from core.db import upsert_returning
from core.errors import Invalid, NotFound

from .cache import DRAIN_QUEUED_KEY, DRAIN_QUEUED_SECONDS, title_reviews_scope, user_reviews_scope
from .models import RATING_MAX, RATING_MIN, RatingMark, Review, ReviewDeletion
from .selectors import REVIEW_FIELDS

logger = logging.getLogger(__name__)

TEXT_MAX = Review._meta.get_field("text").max_length
UNSET: Any = object()


def clean_rating(value) -> int:
    # bool is an int in Python; 1.5 and "5" are not integers at all.
    if type(value) is not int or not RATING_MIN <= value <= RATING_MAX:
        message = _("A whole number from %(a)d to %(b)d.") % {"a": RATING_MIN, "b": RATING_MAX}
        raise Invalid(f"rating: {message}", code="invalid_rating", errors={"rating": [message]})
    return value


def clean_text(value) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        message = _("Send the review as text.")
        raise Invalid(f"text: {message}", code="invalid_text", errors={"text": [message]})
    value = value.strip()
    if len(value) > TEXT_MAX:
        message = _("At most %(n)d characters.") % {"n": TEXT_MAX}
        raise Invalid(f"text: {message}", code="text_too_long", errors={"text": [message]})
    if "\x00" in value:
        message = _("The text contains characters that are not allowed.")
        raise Invalid(f"text: {message}", code="invalid_text", errors={"text": [message]})
    return value


def _rating_mark(title_id: int) -> None:
    """Mark the title's rating stale and queue a drain once it commits.

    The caller is in the write's transaction, before the review's row is
    written: the mark's row lock is held from before the write to the
    commit, so a drain skips the mark until the review is visible; and the
    writer takes no lock on the title (the insert's key-share lock) before
    it may wait on a mark a drain holds, so the drain, which locks the
    title, never waits on a writer that waits on it."""
    RatingMark.objects.bulk_create(
        [RatingMark(title_id=title_id, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["title_id"],
        update_fields=["marked_at"],
    )
    transaction.on_commit(_drain_queue, robust=True)


def _drain_queue() -> None:
    # False: a drain is queued and has not started, so it will see this mark.
    # None (the cache is down and ignored) or True: queue one.
    if cache.add(DRAIN_QUEUED_KEY, 1, timeout=DRAIN_QUEUED_SECONDS) is False:
        return
    from .tasks import drain_rating_marks

    try:
        broker.enqueue(drain_rating_marks)
    except broker.BrokerUnavailable:
        # A broker outage must not turn a saved review into an error page or
        # a slow one: the mark stays, and the beat's minute drain (or the
        # hourly reconcile_all_ratings) recomputes the rating.
        cache.delete(DRAIN_QUEUED_KEY)
        logger.info("stale ratings left to the next drain: broker unavailable")


def title_ratings_mark_on_commit(*, title_ids) -> None:
    """Mark many titles' ratings stale once the caller's transaction has
    committed (a bulk write: an import batch), in one statement, and queue
    one drain (none when one is queued already).

    After the commit rather than before the rows, as :func:`_rating_mark`
    does: a batch holds its transaction for a good part of a second, and
    marks taken at its start would make every review of those titles wait
    for it. A mark written after the reviews committed is exact all the
    same (the drain that takes it reads them); a process that dies in
    between leaves the rating to the hourly reconciliation. The marks go in
    title order, so two such statements never wait on each other in a cycle."""
    ids = sorted(set(title_ids))
    if not ids:
        return

    def mark() -> None:
        now = timezone.now()
        RatingMark.objects.bulk_create(
            [RatingMark(title_id=t, marked_at=now) for t in ids],
            update_conflicts=True,
            unique_fields=["title_id"],
            update_fields=["marked_at"],
            batch_size=DRAIN_BATCH,
        )
        _drain_queue()

    transaction.on_commit(mark, robust=True)


DRAIN_BATCH = 500


def title_rating_marks_drain(*, batch_size: int = DRAIN_BATCH) -> int:
    """Recompute the rating of every marked title, a batch per transaction,
    and remove their marks. Returns how many titles it recomputed.

    A mark whose writer has not committed is locked and skipped (that
    writer queues the next drain as it commits); a write that commits while
    a batch runs waits on its title's mark, then marks it again. So after a
    drain that runs once every write has committed, every rating is exact."""
    cache.delete(DRAIN_QUEUED_KEY)  # before reading: a write from now on queues another drain
    drained = 0
    while True:
        n = _rating_marks_drain_batch(batch_size=batch_size)
        drained += n
        if n < batch_size:
            return drained


@transaction.atomic
def _rating_marks_drain_batch(*, batch_size: int) -> int:
    ids = list(
        RatingMark.objects.select_for_update(skip_locked=True)
        .order_by("title_id")
        .values_list("title_id", flat=True)[:batch_size]
    )
    if ids:
        title_ratings_recompute(title_ids=ids)
        RatingMark.objects.filter(title_id__in=ids).delete()
    return len(ids)


def _lists_changed_on_commit(*, title_id: int, user_id: int) -> None:
    scopes = (title_reviews_scope(title_id), user_reviews_scope(user_id))
    transaction.on_commit(lambda: bump(*scopes))


@transaction.atomic
def review_upsert(*, user, title_id: int, rating: int, text: str | None = UNSET) -> tuple[Review, bool]:
    """Create the user's review of the title, or update the one they have.

    ``text`` left out keeps an existing review's text (and is empty for a new one).
    """
    rating = clean_rating(rating)
    update = ["rating", "updated_at"]
    if text is not UNSET:
        text = clean_text(text)
        update.append("text")
    title = title_for_write(title_id=title_id, brief=True)
    _rating_mark(title.pk)
    now = timezone.now()
    # One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the answer is the
    # row as written (an existing review's text when none is sent).
    review, created = upsert_returning(
        Review,
        unique=("user_id", "title_id"),
        values={
            "user_id": user.pk,
            "title_id": title.pk,
            "rating": rating,
            "text": "" if text is UNSET else text,
            "created_at": now,
            "updated_at": now,
        },
        update=update,
    )
    review.title, review.user = title, user  # what the answer embeds, without reading it again
    _lists_changed_on_commit(title_id=title.pk, user_id=user.pk)
    return review, created


def _record_deletions(rows) -> None:
    """Tombstones for the sync read (core.sync): ``rows`` of (user_id, review_id, title_id)."""
    now = timezone.now()
    ReviewDeletion.objects.bulk_create(
        [ReviewDeletion(user_id=u, review_id=r, title_id=t, deleted_at=now) for u, r, t in rows], batch_size=500
    )


def review_deletions_purge() -> int:
    """Forget the tombstones older than the sync read looks (beat, daily)."""
    deleted, _ = ReviewDeletion.objects.filter(deleted_at__lt=sync.tombstones_cutoff()).delete()
    return deleted


def _own_review(*, user, review_id: int) -> Review:
    """The caller's review, locked (not its title), with the title's brief fields."""
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("title")
        .only(*REVIEW_FIELDS, *TITLE_BRIEF)
        .filter(pk=review_id, user=user)
        .first()
    )
    if review is None:
        raise NotFound(_("No such review."), code="review_not_found")
    return review


@transaction.atomic
def review_update(*, user, review_id: int, rating: int = UNSET, text: str | None = UNSET) -> Review:
    values: dict[str, Any] = {}
    if rating is not UNSET:
        values["rating"] = clean_rating(rating)
    if text is not UNSET:
        values["text"] = clean_text(text)
    review = _own_review(user=user, review_id=review_id)
    for key, value in values.items():
        setattr(review, key, value)
    _rating_mark(review.title_id)
    review.save(update_fields=[*values, "updated_at"])
    _lists_changed_on_commit(title_id=review.title_id, user_id=user.pk)
    return review


@transaction.atomic
def review_delete(*, user, review_id: int) -> None:
    review = _own_review(user=user, review_id=review_id)
    title_id = review.title_id
    _rating_mark(title_id)
    _record_deletions([(user.pk, review.pk, title_id)])
    review.delete()
    _lists_changed_on_commit(title_id=title_id, user_id=user.pk)


def _rating_expressions() -> dict[str, Any]:
    reviews = Review.objects.filter(title_id=OuterRef("pk")).order_by().values("title_id")
    return {
        "rating": Subquery(reviews.annotate(avg=Avg("rating")).values("avg")),
        "rating_count": Coalesce(
            Subquery(reviews.annotate(n=Count("id")).values("n"), output_field=IntegerField()), Value(0)
        ),
    }


@transaction.atomic
def title_rating_recompute(*, title_id: int) -> bool:
    """Set the title's rating to the mean of its reviews (null with none) and its count.

    One ``UPDATE ... SET rating = (SELECT AVG ...), rating_count = (SELECT
    COUNT ...)``: the values are computed by the database in the statement
    that writes them. The row is locked first, so the UPDATE's snapshot is
    taken after every earlier recompute of this title committed; the last
    recompute to run therefore sees every committed review, and concurrent
    reviews leave the rating exactly equal to the mean. Returns whether the
    title exists.
    """
    if not Title.objects.select_for_update(no_key=True).filter(pk=title_id).values_list("pk", flat=True).first():
        return False
    Title.objects.filter(pk=title_id).update(**_rating_expressions())
    # The title changed; what shows its reviews with their number (the
    # rating_count) depends on the title's scope too.
    transaction.on_commit(lambda: titles_changed(counts=False, pk=title_id))
    return True


def title_ratings_reconcile(*, batch_size: int = 1000) -> int:
    """Repair every title whose stored rating or count disagrees with its reviews.

    Walks the catalogue by id in batches: per batch one read of the titles,
    one grouped read of the reviews, and a recompute only where they differ
    (so the hourly run writes almost nothing). Returns how many it fixed.
    """
    fixed = 0
    last_id = 0
    while True:
        rows = list(
            Title.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", "rating", "rating_count")[:batch_size]
        )
        if not rows:
            return fixed
        low, high = rows[0][0], rows[-1][0]
        actual = {
            row["title_id"]: (row["avg"], row["n"])
            for row in Review.objects.filter(title_id__gte=low, title_id__lte=high)
            .order_by()
            .values("title_id")
            .annotate(avg=Avg("rating"), n=Count("id"))
        }
        for pk, rating, count in rows:
            avg, n = actual.get(pk, (None, 0))
            same = count == n and (
                (rating is None and avg is None)
                or (rating is not None and avg is not None and abs(rating - float(avg)) < 1e-9)
            )
            if not same:
                title_rating_recompute(title_id=pk)
                fixed += 1
        last_id = high


# --- Many at once (imports, account deletion, title merges) -------------------------------


def _recompute_many_on_commit(title_ids) -> None:
    ids = sorted(set(title_ids))
    if not ids:
        return

    def enqueue() -> None:
        from .tasks import recompute_title_ratings

        try:
            broker.enqueue(recompute_title_ratings, args=(ids,))
        except broker.BrokerUnavailable:
            logger.info("ratings of %d titles left to the reconciliation: broker unavailable", len(ids))

    transaction.on_commit(enqueue, robust=True)


@transaction.atomic
def title_ratings_recompute(*, title_ids: list[int]) -> int:
    """:func:`title_rating_recompute` for many titles in one statement (the
    rows locked first, in id order). Returns how many exist.

    The lock is FOR NO KEY UPDATE: it serialises recomputes of a title but
    does not wait for the key-share lock a review insert takes on it."""
    ids = sorted(set(title_ids))
    found = list(
        Title.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
    )
    if found:
        Title.objects.filter(pk__in=found).update(**_rating_expressions())
        transaction.on_commit(lambda: bump_existing(*(title_scope(pk) for pk in found)))
    return len(found)


@transaction.atomic
def reviews_bulk_upsert(*, user, reviews: dict[int, tuple[int, str]], overwrite: bool = False) -> dict[int, str]:
    """Set the user's reviews of many titles (title id → (rating, text)) in
    a constant number of queries. An existing review is kept unless
    ``overwrite``. Returns per title ``"created"``, ``"updated"`` or
    ``"kept"``; the titles touched are marked once the write commits, and
    their ratings recomputed by the drain (:func:`title_ratings_mark_on_commit`)."""
    if not reviews:
        return {}
    clean = {tid: (clean_rating(r), clean_text(t)) for tid, (r, t) in reviews.items()}
    existing = {
        r.title_id: r
        for r in Review.objects.filter(user=user, title_id__in=list(clean)).only("id", "title_id", "rating", "text")
    }
    new = [Review(user=user, title_id=t, rating=r, text=x) for t, (r, x) in clean.items() if t not in existing]
    Review.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    outcome = {r.title_id: "created" for r in new}
    changed = []
    now = timezone.now()
    for tid, review in existing.items():
        rating, text = clean[tid]
        if overwrite and (review.rating != rating or (text and review.text != text)):
            review.rating, review.text, review.updated_at = rating, text or review.text, now
            changed.append(review)
            outcome[tid] = "updated"
        else:
            outcome[tid] = "kept"
    Review.objects.bulk_update(changed, ["rating", "text", "updated_at"], batch_size=500)
    touched = [t for t, what in outcome.items() if what != "kept"]
    if touched:
        title_ratings_mark_on_commit(title_ids=touched)
        scopes = (user_reviews_scope(user.pk), *(title_reviews_scope(t) for t in touched))
        transaction.on_commit(lambda: bump_existing(*scopes))
    return outcome


@transaction.atomic
def reviews_forget_title(*, title_id: int) -> int:
    """Tombstones for every review of a title about to be deleted (by cascade)."""
    rows = list(Review.objects.filter(title_id=title_id).values_list("user_id", "pk"))
    _record_deletions([(u, pk, title_id) for u, pk in rows])
    return len(rows)


@transaction.atomic
def reviews_delete_all_for_user(*, user) -> int:
    """Delete every review of the user; their titles' ratings are recomputed
    (leaving the site: no tombstones, the account and so its sync go too)."""
    title_ids = list(Review.objects.filter(user=user).values_list("title_id", flat=True))
    deleted, _ = Review.objects.filter(user=user).delete()
    _recompute_many_on_commit(title_ids)
    scopes = (user_reviews_scope(user.pk), *(title_reviews_scope(t) for t in title_ids))
    transaction.on_commit(lambda: bump_existing(*scopes))
    return deleted


@transaction.atomic
def reviews_move_to_title(*, source_id: int, target_id: int) -> int:
    """A title merge: reviews of ``source`` move to ``target`` unless their
    author already reviewed ``target`` (that review is kept, the other goes).
    Both ratings are recomputed. Returns how many moved."""
    both = set(Review.objects.filter(title_id=target_id).values_list("user_id", flat=True))
    moving = Review.objects.filter(title_id=source_id).exclude(user_id__in=both)
    users = set(Review.objects.filter(title_id=source_id).values_list("user_id", flat=True))
    # A moved review is a change for the sync read; one that goes is a deletion.
    moved = moving.update(title_id=target_id, updated_at=timezone.now())
    gone = list(Review.objects.filter(title_id=source_id).values_list("user_id", "pk"))
    _record_deletions([(u, pk, source_id) for u, pk in gone])
    Review.objects.filter(title_id=source_id).delete()
    _recompute_many_on_commit([source_id, target_id])
    scopes = (
        title_reviews_scope(source_id),
        title_reviews_scope(target_id),
        *(user_reviews_scope(u) for u in users),
    )
    transaction.on_commit(lambda: bump_existing(*scopes))
    return moved
