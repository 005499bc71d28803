"""Fill a freshly migrated PostgreSQL database with a large, skewed catalogue, fast.

    DATABASE_URL=postgres://... python bench/fill.py

Sizes come from the environment (defaults are the issue's full scale):
BENCH_TITLES (1,000,000), BENCH_USERS (100,000), BENCH_WALKS (2,000,000),
BENCH_REVIEWS (1,000,000), BENCH_HEAVY_WALKS (5,000: the walks of one user),
BENCH_HOT_REVIEWS ("50000,30000,20000,12000,8000": the reviews of the few
hot titles), BENCH_SEED (random seed).

How it is fast: the secondary indexes and unique constraints of the filled
tables are dropped and rebuilt after the load (two connections build them in
parallel), foreign-key triggers are off during the load
(``session_replication_role = replica``: the generator only writes ids that
exist), rows stream through ``COPY ... FROM STDIN`` in text format from
generators that build whole chunks of lines, and the ratings are then set by
one set-based UPDATE. Columns are taken from the Django models, so a column
added later with a default is filled with that default.

What the data looks like: titles spread over the four types (games most),
names built from common words and rarer invented ones (so that a search for
a fragment can be selective or broad), users with a heavy-tailed number of
walks (one with ``BENCH_HEAVY_WALKS``), walks that favour popular titles, a
few hot titles reviewed by tens of thousands of users, reviews for about
half the walks, ratings around a per-title mean. A one-row table
``bench_fill`` records the sizes and the ids the benchmark needs.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection as django_connection  # noqa: E402
from django.db import models  # noqa: E402

from accounts.models import Profile, User  # noqa: E402
from bench.harness import FILL_VERSION  # noqa: E402
from catalog.models import Title  # noqa: E402
from catalog.names import name_key  # noqa: E402
from reviews.models import Review  # noqa: E402
from social.models import Follow  # noqa: E402
from walks.models import Walk, WatchlistEntry  # noqa: E402

BENCH_PASSWORD = "bench-password-1"
CHUNK = 50_000

ADJECTIVES = [
    "Silent",
    "Crimson",
    "Broken",
    "Hidden",
    "Last",
    "Lost",
    "Eternal",
    "Golden",
    "Iron",
    "Shadow",
    "Frozen",
    "Burning",
    "Hollow",
    "Wild",
    "Fallen",
    "Dark",
    "Bright",
    "Distant",
    "Forgotten",
    "Sacred",
    "Savage",
    "Quiet",
    "Endless",
    "Final",
    "Northern",
    "Electric",
    "Velvet",
    "Paper",
    "Glass",
    "Steel",
    "Midnight",
    "Scarlet",
    "Ancient",
    "Little",
    "Great",
    "Strange",
    "Lonely",
    "Restless",
    "Rising",
    "Falling",
    "Twisted",
    "Radiant",
    "Crooked",
    "Pale",
    "Bitter",
    "Sweet",
    "Cold",
    "Hungry",
]
NOUNS = [
    "Dragon",
    "Kingdom",
    "Knight",
    "River",
    "Empire",
    "Garden",
    "Star",
    "Ocean",
    "City",
    "Forest",
    "Tower",
    "Legend",
    "Blade",
    "Moon",
    "Sun",
    "Storm",
    "Heart",
    "Crown",
    "Road",
    "Island",
    "Machine",
    "Dream",
    "Ghost",
    "Witch",
    "Hunter",
    "Wolf",
    "Mountain",
    "Valley",
    "Harbor",
    "Station",
    "Signal",
    "Circuit",
    "Echo",
    "Mirror",
    "Winter",
    "Summer",
    "Spring",
    "Autumn",
    "Desert",
    "Temple",
    "Castle",
    "Pilot",
    "Rebel",
    "Soldier",
    "Detective",
    "Doctor",
    "Stranger",
    "Planet",
    "Galaxy",
]
NUMERALS = ["", "", "", "", " II", " III", " IV", ": Origins", ": Reborn", " 2", " 3", ": The Return"]
SYLLABLES = [
    "ka",
    "ri",
    "do",
    "ven",
    "mor",
    "tha",
    "li",
    "su",
    "na",
    "el",
    "gar",
    "zu",
    "bel",
    "qu",
    "ix",
    "ost",
    "ren",
    "dal",
    "mir",
    "fen",
    "sha",
    "tor",
    "vek",
    "lun",
    "ara",
    "cor",
    "dru",
    "ess",
    "fal",
    "gwy",
    "hal",
    "ith",
    "jor",
    "kel",
    "lor",
    "mag",
    "nor",
    "oth",
    "pel",
    "ras",
    "sel",
    "tam",
    "ull",
    "vor",
    "wyn",
    "xan",
    "yor",
    "zel",
]
PHRASES = (
    "Loved every minute of it.",
    "A slow start, but the second half is wonderful.",
    "Not for me, though I see why people like it.",
    "The soundtrack alone is worth it.",
    "Gorgeous to look at, thin on story.",
    "I keep coming back to this one every few years.",
    "Overrated, honestly.",
    "Clever, funny and surprisingly moving.",
    "The ending ruined it for me.",
    "An instant classic.",
    "Too long by a third, yet I could not stop.",
    "Great characters, weak villain.",
)
STATES = ("in_progress", "completed", "hundred_percent")
# Games are the largest type; anime the smallest.
TYPES = ("game",) * 35 + ("film",) * 30 + ("series",) * 20 + ("anime",) * 15


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Plan:
    """Sizes and the random choices every table is generated from."""

    def __init__(self) -> None:
        self.titles = env_int("BENCH_TITLES", 1_000_000)
        self.users = env_int("BENCH_USERS", 100_000)
        self.walks = env_int("BENCH_WALKS", 2_000_000)
        self.reviews = env_int("BENCH_REVIEWS", 1_000_000)
        self.heavy_walks = min(env_int("BENCH_HEAVY_WALKS", 5_000), self.titles // 2)
        hot = os.environ.get("BENCH_HOT_REVIEWS", "50000,30000,20000,12000,8000")
        # A title cannot have more reviews than there are users, and the hot
        # titles may not take more than a third of all reviews.
        wanted = [int(x) for x in hot.split(",") if x.strip()]
        cap = max(1, int(self.users * 0.9))
        self.hot_reviews = [min(n, cap) for n in wanted]
        budget = self.reviews // 3
        if sum(self.hot_reviews) > budget:
            scale = budget / sum(self.hot_reviews)
            self.hot_reviews = [max(1, int(n * scale)) for n in self.hot_reviews]
        self.seed = env_int("BENCH_SEED", 20260101)
        self.rng = random.Random(self.seed)
        rng = self.rng
        self.now = datetime.now(UTC).replace(microsecond=0)
        # Timestamps are drawn from a pool: formatting millions of datetimes
        # is the slowest part of generating rows otherwise.
        self.stamps = [
            (self.now - timedelta(seconds=rng.randrange(3 * 365 * 86400))).strftime("%Y-%m-%d %H:%M:%S+00")
            for _ in range(20_000)
        ]
        self.rare_words = self._rare_words(3_000)
        # Hot titles spread over the id range; the popular 1% take a third of walks.
        self.hot_titles = rng.sample(range(1, self.titles + 1), len(self.hot_reviews))
        self.popular = rng.sample(range(1, self.titles + 1), max(1, self.titles // 100))
        self.heavy_user = rng.randrange(1, self.users + 1)
        # Not from self.rng: the data drawn after it stays the same.
        self.social_user = (self.heavy_user + self.users // 2) % self.users + 1 if self.users > 1 else 1
        self.type_of: list[str] = [""] + [TYPES[rng.randrange(len(TYPES))] for _ in range(self.titles)]
        # The hot titles are games and films with reviews to write home about.
        for i, tid in enumerate(self.hot_titles):
            self.type_of[tid] = ("game", "film")[i % 2]

    def _rare_words(self, n: int) -> list[str]:
        words: set[str] = set()
        while len(words) < n:
            count = self.rng.choice((2, 3, 3, 4))
            words.add("".join(self.rng.choice(SYLLABLES) for _ in range(count)).capitalize())
        return sorted(words)

    def title_name(self, tid: int) -> str:
        rng = self.rng
        form = rng.randrange(6)
        adj, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        rare = self.rare_words[rng.randrange(len(self.rare_words))]
        if form == 0:
            name = f"{adj} {noun}"
        elif form == 1:
            name = f"{noun} of {rare}"
        elif form == 2:
            name = f"{rare} {noun}"
        elif form == 3:
            name = f"The {adj} {noun}"
        elif form == 4:
            name = f"{rare}: {adj} {noun}"
        else:
            name = f"{adj} {rare}"
        return name + rng.choice(NUMERALS)


def defaults_for(model: type[models.Model], given: set[str]) -> list[tuple[str, str]]:
    """COPY text for every column the generator does not write: the field's
    default, or NULL. Raises for a NOT NULL column without a default."""
    out = []
    for field in model._meta.concrete_fields:
        if field.column in given:
            continue
        if field.has_default():
            value = field.get_db_prep_save(field.get_default(), django_connection)
            if hasattr(value, "adapted"):  # psycopg Jsonb and friends
                value = json.dumps(value.adapted)
            elif isinstance(value, (dict, list)):
                value = json.dumps(value)
            text = "\\N" if value is None else ("t" if value is True else "f" if value is False else str(value))
        elif field.null:
            text = "\\N"
        else:
            raise SystemExit(f"{model.__name__}.{field.name} is NOT NULL without a default: teach bench/fill.py it")
        out.append((field.column, text))
    return out


class Table:
    """One model's table: which columns the generator writes, plus defaults."""

    def __init__(self, model: type[models.Model], generated: list[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.generated = generated
        extra = defaults_for(model, set(generated))
        self.columns = generated + [c for c, _ in extra]
        self.suffix = "".join("\t" + text for _, text in extra)

    def copy(self, conn: psycopg.Connection, lines) -> int:
        """Stream the generator's lines (already tab-separated) into the table."""
        rows = 0
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with conn.cursor() as cur, cur.copy(f'COPY "{self.name}" ({cols}) FROM STDIN') as copy:
            buf: list[str] = []
            for line in lines:
                buf.append(line + self.suffix)
                if len(buf) >= CHUNK:
                    copy.write("\n".join(buf) + "\n")
                    rows += len(buf)
                    buf.clear()
            if buf:
                copy.write("\n".join(buf) + "\n")
                rows += len(buf)
        return rows


# --- generators ---------------------------------------------------------------------------------


def gen_users(plan: Plan, password: str):
    rng = plan.rng
    pins = rng.sample(range(100_000, 1_000_000), plan.users)
    for i in range(1, plan.users + 1):
        stamp = plan.stamps[rng.randrange(len(plan.stamps))]
        locale = "ru" if i % 5 == 0 else "en"
        yield (
            f"{i}\t{password}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\tuser{i}@bench.walks.test\t{stamp}"
            f"\t\\N\t{locale}\t{pins[i - 1]}\t\\N\tt\tf\tf"
        )


USER_COLUMNS = [
    "id",
    "password",
    "uuid",
    "email",
    "joined_at",
    "last_auth_at",
    "locale",
    "pin",
    "group_uuid",
    "is_active",
    "is_staff",
    "is_superuser",
]


def gen_profiles(plan: Plan):
    for i in range(1, plan.users + 1):
        yield f"{i}\twalker{i}\t\tWalking since the beginning.\t[]"


PROFILE_COLUMNS = ["user_id", "username", "avatar", "bio", "links"]


def gen_titles(plan: Plan):
    rng = plan.rng
    kinds = {"game": "game", "film": "film", "series": "series", "anime": "anime series"}
    for tid in range(1, plan.titles + 1):
        kind = plan.type_of[tid]
        year = 2025 - int(abs(rng.gauss(0, 18)))
        year = max(1900 if kind != "game" else 1970, year)
        stamp = plan.stamps[rng.randrange(len(plan.stamps))]
        rare = plan.rare_words[rng.randrange(len(plan.rare_words))]
        description = (
            f"A {rng.choice(ADJECTIVES).lower()} {kinds[kind]} about the {rng.choice(NOUNS).lower()} of {rare}. "
            f"{rng.choice(PHRASES)}"
        )
        name = plan.title_name(tid)
        yield f"{tid}\t{name}\t{name_key(name)}\t\t{description}\t{kind}\t{year}\t\\N\t0\t{stamp}\t{stamp}"


TITLE_COLUMNS = [
    "id",
    "name",
    "name_key",
    "cover",
    "description",
    "type",
    "release_year",
    "rating",
    "rating_count",
    "created_at",
    "updated_at",
]


def walk_counts(plan: Plan, hot_members: dict[int, list[int]]) -> list[int]:
    """How many ordinary (not hot) walks each user has: heavy-tailed, summing
    to what is left once the heavy user and the hot titles are served."""
    rng = plan.rng
    hot_total = sum(len(v) for v in hot_members.values())
    left = max(0, plan.walks - plan.heavy_walks - hot_total)
    weights = [0.0] + [rng.paretovariate(1.6) for _ in range(plan.users)]
    weights[plan.heavy_user] = 0.0
    total = sum(weights)
    # Nobody but the heavy user walks more than 80% of its count.
    cap = max(1, int(plan.heavy_walks * 0.8))
    counts = [min(cap, int(w / total * left)) for w in weights]
    shortfall = left - sum(counts)
    while shortfall > 0:
        uid = rng.randrange(1, plan.users + 1)
        if uid != plan.heavy_user and counts[uid] < cap:
            counts[uid] += 1
            shortfall -= 1
    counts[plan.heavy_user] = plan.heavy_walks - len(hot_members.get(plan.heavy_user, []))
    return counts


def build_membership(plan: Plan) -> dict[int, list[int]]:
    """user id -> hot titles that user walked and reviewed."""
    members: dict[int, list[int]] = {}
    users = range(1, plan.users + 1)
    for tid, n in zip(plan.hot_titles, plan.hot_reviews, strict=True):
        for uid in plan.rng.sample(users, n):
            members.setdefault(uid, []).append(tid)
    return members


def user_rows(plan: Plan):
    """For each user, its walks and reviews as (walk lines, review lines)."""
    rng = plan.rng
    members = build_membership(plan)
    counts = walk_counts(plan, members)
    hot_set = set(plan.hot_titles)
    hot_mean = {tid: 55 + 8 * i for i, tid in enumerate(plan.hot_titles)}
    hot_total = sum(plan.hot_reviews)
    ordinary = max(1, plan.walks - hot_total)
    review_p = max(0.0, min(1.0, (plan.reviews - hot_total) / ordinary))
    popular, n_popular = plan.popular, len(plan.popular)
    stamps, n_stamps = plan.stamps, len(plan.stamps)
    walk_id = review_id = 0
    texts = [" ".join(PHRASES[j % len(PHRASES)] for j in range(i, i + 1 + i % 4)) for i in range(len(PHRASES))]
    texts.append("")
    for uid in range(1, plan.users + 1):
        walks: list[str] = []
        reviews: list[str] = []
        chosen: set[int] = set()
        for tid in members.get(uid, ()):
            chosen.add(tid)
            walk_id += 1
            stamp = stamps[rng.randrange(n_stamps)]
            walks.append(f"{walk_id}\t{uid}\t{tid}\t{STATES[rng.randrange(3)]}\t{stamp}\t{stamp}")
            review_id += 1
            rating = min(100, max(0, int(rng.gauss(hot_mean[tid], 18))))
            reviews.append(f"{review_id}\t{uid}\t{tid}\t{rating}\t{texts[rng.randrange(len(texts))]}\t{stamp}\t{stamp}")
        need = counts[uid]
        while need > 0:
            tid = popular[rng.randrange(n_popular)] if rng.random() < 0.33 else rng.randrange(1, plan.titles + 1)
            if tid in chosen or tid in hot_set:
                continue
            chosen.add(tid)
            need -= 1
            walk_id += 1
            stamp = stamps[rng.randrange(n_stamps)]
            walks.append(f"{walk_id}\t{uid}\t{tid}\t{STATES[rng.randrange(3)]}\t{stamp}\t{stamp}")
            if rng.random() < review_p:
                review_id += 1
                # Each title has its own mean, so ordering by rating means something.
                mean = 35 + (tid * 2654435761 % 55)
                rating = min(100, max(0, int(rng.gauss(mean, 15))))
                reviews.append(
                    f"{review_id}\t{uid}\t{tid}\t{rating}\t{texts[rng.randrange(len(texts))]}\t{stamp}\t{stamp}"
                )
        yield walks, reviews


def social_rows(plan: Plan):
    """Watchlists and follows: one user in ten has a watchlist (1 to 30
    titles) and follows 1 to 20 people; ``plan.social_user`` (the signed-in
    person of the home, feed and watchlist cases) follows SOCIAL_FOLLOWS people
    and wants SOCIAL_WATCHLIST titles. Its own random stream, so the rest of
    the data is what it was before these tables were filled."""
    rng = random.Random(plan.seed + 1)
    stamps, n_stamps = plan.stamps, len(plan.stamps)
    watch: list[str] = []
    follows: list[str] = []
    watch_id = follow_id = 0
    for uid in range(1, plan.users + 1):
        social = uid == plan.social_user
        if not social and (uid % 10 or plan.users < 2):
            continue
        n_watch = SOCIAL_WATCHLIST if social else rng.randrange(1, 31)
        for tid in rng.sample(range(1, plan.titles + 1), min(n_watch, plan.titles)):
            watch_id += 1
            watch.append(f"{watch_id}\t{uid}\t{tid}\t{stamps[rng.randrange(n_stamps)]}")
        n_follow = SOCIAL_FOLLOWS if social else rng.randrange(1, 21)
        for other in rng.sample(range(1, plan.users + 1), min(n_follow + 1, plan.users)):
            if other == uid or n_follow == 0:
                continue
            n_follow -= 1
            follow_id += 1
            stamp = stamps[rng.randrange(n_stamps)]
            follows.append(f"{follow_id}\t{uid}\t{other}\tapproved\t{stamp}\t{stamp}")
    return watch, follows


SOCIAL_FOLLOWS = 200
SOCIAL_WATCHLIST = 300
WATCHLIST_COLUMNS = ["id", "user_id", "title_id", "added_at"]
FOLLOW_COLUMNS = ["id", "follower_id", "followee_id", "status", "created_at", "approved_at"]
WALK_COLUMNS = ["id", "user_id", "title_id", "state", "created_at", "updated_at"]
REVIEW_COLUMNS = ["id", "user_id", "title_id", "rating", "text", "created_at", "updated_at"]


# --- indexes ------------------------------------------------------------------------------------


def secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str, str]]:
    """(name, drop statement, create statement) for every index of the table
    except its primary key; unique constraints are dropped and re-added."""
    rows = conn.execute(
        """
        SELECT i.relname, con.conname, pg_get_indexdef(ix.indexrelid),
               CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('u', 'x')
        WHERE t.relname = %s AND NOT ix.indisprimary
        """,
        (table,),
    ).fetchall()
    out = []
    for index, constraint, indexdef, condef in rows:
        if constraint:
            out.append(
                (
                    constraint,
                    f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"',
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}" {condef}',
                )
            )
        else:
            out.append((index, f'DROP INDEX "{index}"', indexdef))
    return out


def build_indexes(url: str, statements: list[str]) -> None:
    """Run the CREATE statements on two connections at once (GIN builds are
    single-threaded; btree builds use parallel workers too)."""
    pending = list(statements)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            while True:
                with lock:
                    if not pending or errors:
                        return
                    statement = pending.pop(0)
                started = time.monotonic()
                try:
                    conn.execute(statement)
                except BaseException as exc:
                    errors.append(exc)
                    return
                print(f"  {time.monotonic() - started:6.1f}s  {statement[:110]}", flush=True)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# --- main ---------------------------------------------------------------------------------------


def libpq_url() -> str:
    url = os.environ["DATABASE_URL"]
    return "postgresql://" + url.split("://", 1)[1]


def main() -> None:
    url = libpq_url()
    plan = Plan()
    started = time.monotonic()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        timings[name] = round(time.monotonic() - since, 2)
        print(f"{name}: {timings[name]}s", flush=True)
        return time.monotonic()

    password = make_password(BENCH_PASSWORD)
    tables = {
        "users": Table(User, USER_COLUMNS),
        "profiles": Table(Profile, PROFILE_COLUMNS),
        "titles": Table(Title, TITLE_COLUMNS),
        "walks": Table(Walk, WALK_COLUMNS),
        "reviews": Table(Review, REVIEW_COLUMNS),
        "watchlist": Table(WatchlistEntry, WATCHLIST_COLUMNS),
        "follows": Table(Follow, FOLLOW_COLUMNS),
    }
    print(
        f"filling: {plan.titles} titles, {plan.users} users, ~{plan.walks} walks, ~{plan.reviews} reviews; "
        f"hot titles {plan.hot_titles} with {plan.hot_reviews} reviews; heavy user {plan.heavy_user}",
        flush=True,
    )
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers during the load
        conn.execute("SET synchronous_commit = off")
        recreate: list[tuple[int, str]] = []
        for rank, table in enumerate(tables.values()):
            conn.execute(f'TRUNCATE "{table.name}" CASCADE')
            for _name, drop, create in secondary_indexes(conn, table.name):
                conn.execute(drop)
                recreate.append((rank, create))
        conn.commit()
        t = time.monotonic()

        counts = {}
        counts["users"] = tables["users"].copy(conn, gen_users(plan, password))
        counts["profiles"] = tables["profiles"].copy(conn, gen_profiles(plan))
        conn.commit()
        t = lap("users+profiles", t)
        counts["titles"] = tables["titles"].copy(conn, gen_titles(plan))
        conn.commit()
        t = lap("titles", t)

        # Walks and reviews come from the same per-user pass; reviews are held
        # in memory as lines (about 100 bytes each) while walks stream.
        review_lines: list[str] = []

        def walk_lines():
            for walks, reviews in user_rows(plan):
                review_lines.extend(reviews)
                yield from walks

        counts["walks"] = tables["walks"].copy(conn, walk_lines())
        conn.commit()
        t = lap("walks", t)
        counts["reviews"] = tables["reviews"].copy(conn, iter(review_lines))
        review_lines.clear()
        conn.commit()
        t = lap("reviews", t)
        watch_lines, follow_lines = social_rows(plan)
        counts["watchlist"] = tables["watchlist"].copy(conn, iter(watch_lines))
        counts["follows"] = tables["follows"].copy(conn, iter(follow_lines))
        conn.commit()
        t = lap("watchlists+follows", t)

        # One set-based statement for every title's rating, as the periodic
        # reconciliation would leave it.
        conn.execute(
            """
            UPDATE catalog_title t SET rating = r.mean, rating_count = r.n
            FROM (SELECT title_id, avg(rating)::float8 AS mean, count(*) AS n
                  FROM reviews_review GROUP BY title_id) r
            WHERE r.title_id = t.id
            """
        )
        conn.commit()
        t = lap("ratings (one UPDATE)", t)

        # The kept walk counts (walks.tally), as the writers would have left
        # them: one INSERT ... SELECT ... GROUP BY (the table was emptied by
        # the users' TRUNCATE ... CASCADE).
        conn.execute(
            """
            INSERT INTO walks_walktally (user_id, type, state, count)
            SELECT w.user_id, t.type, w.state, count(*)
            FROM walks_walk w JOIN catalog_title t ON t.id = w.title_id
            GROUP BY w.user_id, t.type, w.state
            """
        )
        conn.commit()
        t = lap("walk tallies (one INSERT ... SELECT)", t)

    with psycopg.connect(url, autocommit=True) as conn:
        # The UPDATE left a dead copy of every rated title: rewrite the table
        # while it has no secondary indexes, which is cheap.
        conn.execute("VACUUM FULL catalog_title")
        t = lap("vacuum full titles", t)
    # Largest tables first, so that the two builders finish together.
    # walks, reviews, titles, users, watchlist, follows, profiles
    size_rank = {3: 0, 4: 1, 2: 2, 0: 3, 5: 4, 6: 5, 1: 6}
    recreate.sort(key=lambda item: size_rank[item[0]])
    build_indexes(url, [create for _, create in recreate])
    t = lap("indexes and constraints", t)

    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables.values():
            pk = table.model._meta.pk
            if pk.get_internal_type() in ("AutoField", "BigAutoField"):  # Profile's key is the user's
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{pk.column}'), "
                    f'(SELECT coalesce(max("{pk.column}"), 1) FROM "{table.name}"))'
                )
        # Set the visibility map (index-only scans) and the planner's statistics.
        for table in tables.values():
            conn.execute(f'VACUUM (FREEZE, ANALYZE) "{table.name}"')
        conn.execute("VACUUM (FREEZE, ANALYZE) walks_walktally")
        t = lap("vacuum analyze", t)
        hot_counts = dict(
            conn.execute(
                "SELECT title_id, count(*) FROM reviews_review WHERE title_id = ANY(%s) GROUP BY title_id",
                (plan.hot_titles,),
            ).fetchall()
        )
        conn.execute("DROP TABLE IF EXISTS bench_fill")
        conn.execute("CREATE TABLE bench_fill (info jsonb NOT NULL)")
        info = {
            "sizes": {
                "titles": plan.titles,
                "users": plan.users,
                "walks": plan.walks,
                "reviews": plan.reviews,
                "heavy_walks": plan.heavy_walks,
                "hot_reviews": plan.hot_reviews,
                "seed": env_int("BENCH_SEED", 20260101),
                "version": FILL_VERSION,
            },
            "rows": counts,
            "hot_titles": [[tid, hot_counts.get(tid, 0)] for tid in plan.hot_titles],
            "heavy_user": plan.heavy_user,
            "social_user": plan.social_user,
            "password": BENCH_PASSWORD,
            "rare_words": plan.rare_words[:50],
            "timings": timings,
            "seconds": round(time.monotonic() - started, 1),
            "filled_at": datetime.now(UTC).isoformat(),
        }
        conn.execute("INSERT INTO bench_fill (info) VALUES (%s)", (json.dumps(info),))
    print(f"fill done in {info['seconds']}s: {counts}", flush=True)


if __name__ == "__main__":
    main()
