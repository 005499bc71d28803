"""Pick what the benchmark asks for and mint its credentials.

    python bench/prepare.py OUT.json     (with the production environment)

Writes the ids (the hottest title, a typical user, the user with the most
walks), search fragments with their match counts, the deep page, the HTML
paths, JWTs minted with simplejwt for a few hours (a full run outlasts the
15-minute production lifetime) and a session cookie made by Django's own
login(). The benchmark only reads these; nothing here is measured.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import Title  # noqa: E402

WRITERS = 32
ORDERINGS = ["id", "-id", "release_year", "-release_year", "rating", "-rating"]
# As many as the spread case's pages: each cursor page is cached after its
# first answer, so with fewer wrk would mostly measure cache hits.
CURSORS = 20000


def cursor_paths(max_title_id: int) -> tuple[list[str], str]:
    """Paths of the titles list (games) by cursor at random depths, in every
    ordering: ``(paths, "")``, or ``([], why)`` when the cursor mode is not
    there. A cursor names a row (the ordering key's value and the id, or the
    id alone for ``id``), built with ``core.pagination.encode_cursor`` from
    rows read at random from the database."""
    import random
    from urllib.parse import quote

    from catalog.selectors import title_list
    from core import pagination

    encode = getattr(pagination, "encode_cursor", None)
    if encode is None:
        return [], "core.pagination has no encode_cursor (the ?cursor= mode is not merged)"
    keys = {ordering: pagination.ordering_key(title_list(type="game", ordering=ordering)) for ordering in ORDERINGS}
    rng = random.Random(13)
    ids = [rng.randrange(1, max_title_id + 1) for _ in range(CURSORS * 4)]
    with connection.cursor() as cur:
        cur.execute("SELECT id, rating, release_year FROM catalog_title WHERE type = 'game' AND id = ANY(%s)", [ids])
        rows = cur.fetchall()
    rng.shuffle(rows)
    paths = []
    try:
        for pk, rating, year in rows:
            ordering = rng.choice(ORDERINGS)
            key = ordering.lstrip("-")
            if key == "release_year" and year is None:  # only the rating is a nullable key
                ordering, key = rng.choice(["id", "-id"]), "id"
            values = [pk] if key == "id" else [rating if key == "rating" else year, pk]
            url = f"/api/v1/titles?type=game&ordering={ordering}"
            cursor = encode(keys[ordering], values, url=url)
            paths.append(f"{url}&cursor={quote(str(cursor), safe='')}")
            if len(paths) >= CURSORS:
                break
    except Exception as exc:  # a helper of another shape than assumed: say so, measure the rest
        return [], f"core.pagination.encode_cursor failed: {exc!r}"
    return paths, ""


def writable_rows(user_ids: list[int], table: str, per_user: int = 50) -> dict[int, list[int]]:
    """Up to ``per_user`` ids of each user's rows in ``table`` (walks or
    reviews), for the PATCH cases: each request changes a row of its sender."""
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT user_id, (array_agg(id ORDER BY id))[1:%s] FROM {table}
                WHERE user_id = ANY(%s) GROUP BY user_id""",
            [per_user, user_ids],
        )
        return {uid: ids for uid, ids in cur.fetchall()}


def one(sql: str, params=()) -> object:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None


def jwt_for(user: User) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(hours=4))
    return str(token)


def session_for(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def first_reverse(names: list[str], **kwargs) -> str | None:
    for name in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def main() -> None:
    out = Path(sys.argv[1])
    info = json.loads(one("SELECT info::text FROM bench_fill"))
    hot_title, hot_reviews = max(info["hot_titles"], key=lambda pair: pair[1])
    hot_type = Title.objects.values_list("type", flat=True).get(pk=hot_title)
    heavy = info["heavy_user"]
    # The caller of the title-detail case has a walk and a review of the hot title.
    caller = one("SELECT user_id FROM reviews_review WHERE title_id = %s ORDER BY id LIMIT 1", [hot_title])
    typical = one(
        """SELECT user_id FROM walks_walk GROUP BY user_id HAVING count(*) BETWEEN 15 AND 40
           ORDER BY user_id LIMIT 1"""
    ) or one("SELECT user_id FROM walks_walk GROUP BY user_id ORDER BY count(*) DESC OFFSET 10 LIMIT 1")
    typical_walks = one("SELECT count(*) FROM walks_walk WHERE user_id = %s", [typical])
    heavy_walks = one("SELECT count(*) FROM walks_walk WHERE user_id = %s", [heavy])
    writers = list(
        User.objects.exclude(pk__in=[heavy, caller]).order_by("pk").values_list("pk", flat=True)[100 : 100 + WRITERS]
    )
    social = info.get("social_user")
    users = {
        u.pk: u for u in User.objects.filter(pk__in=[heavy, caller, typical, *writers, *([social] if social else [])])
    }
    writer_walks = writable_rows(writers, "walks_walk")
    writer_reviews = writable_rows(writers, "reviews_review")
    max_title_id = one("SELECT max(id) FROM catalog_title")
    cursors, cursor_skip = cursor_paths(max_title_id)
    social_counts = {
        "follows": one("SELECT count(*) FROM social_follow WHERE follower_id = %s", [social]) if social else 0,
        "watchlist": one("SELECT count(*) FROM walks_watchlistentry WHERE user_id = %s", [social]) if social else 0,
    }

    type_count = Title.objects.filter(type="game").count()
    last_page = max(1, (type_count + 19) // 20)
    deep_page = min(10_000, last_page)

    # A selective fragment (an invented word, part of a few hundred names) and
    # a broad one (a common word, part of one name in fifty).
    rare = info["rare_words"][7].lower()
    selective = rare[: max(5, len(rare) - 1)]
    broad = "dragon"
    matches = {frag: Title.objects.filter(type="game", name__icontains=frag).count() for frag in (selective, broad)}

    title_page = first_reverse(
        ["catalog:title", "catalog:title_detail", "catalog:detail", "catalog:title-detail"], pk=hot_title
    )
    profile_page = first_reverse(
        ["walks:profile"], username=User.objects.select_related("profile").get(pk=heavy).profile.username
    ) or first_reverse(["walks:profile", "accounts:profile"], pk=heavy)
    titles_page = first_reverse(["catalog:titles"]) or "/titles/"

    data = {
        "fill": info,
        "hot_title": hot_title,
        "hot_title_type": hot_type,
        "hot_title_reviews": hot_reviews,
        "heavy_user": heavy,
        "heavy_user_walks": heavy_walks,
        "typical_user": typical,
        "typical_user_walks": typical_walks,
        "caller": caller,
        "type_count_game": type_count,
        "deep_page": deep_page,
        "search": {"selective": selective, "broad": broad, "matches": matches},
        "paths": {
            "title_page": [p for p in [title_page, f"/titles/{hot_title}/", f"/titles/{hot_title}"] if p],
            "profile_page": [p for p in [profile_page, f"/u/{heavy}/"] if p],
            "titles_page": titles_page,
        },
        "jwt": {
            "caller": jwt_for(users[caller]),
            "heavy": jwt_for(users[heavy]),
            "writers": [jwt_for(users[pk]) for pk in writers if pk in users],
        },
        "session": {"caller": session_for(users[caller]), **({"social": session_for(users[social])} if social else {})},
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "max_title_id": max_title_id,
        # The writers' own rows, for the PATCH cases: [[jwt, [ids]], ...].
        "writer_walks": [[jwt_for(users[pk]), writer_walks[pk]] for pk in writers if writer_walks.get(pk)],
        "writer_reviews": [[jwt_for(users[pk]), writer_reviews[pk]] for pk in writers if writer_reviews.get(pk)],
        "social_user": social,
        "social_counts": social_counts,
        "cursor_paths": cursors,
        "cursor_skip": cursor_skip,
    }
    if social:
        data["jwt"]["social"] = jwt_for(users[social])
    out.write_text(json.dumps(data, indent=2))
    print(
        f"prepared: hot title {hot_title} ({hot_reviews} reviews), heavy user {heavy} ({heavy_walks} walks), "
        f"typical user {typical} ({typical_walks} walks), deep page {deep_page}, search {matches}"
    )


if __name__ == "__main__":
    main()
