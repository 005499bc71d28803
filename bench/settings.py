"""The project's own settings, plus the benchmark's ceiling view.

Everything the benchmark measures is configured exactly as production is
(``config.settings`` driven by the environment); only the URLconf gains
``/bench/ceiling`` so that the project itself stays untouched.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS
from tests.settings import TEMPLATES  # noqa: F401 - the fault run mails the tests' ping, which does not ship

ROOT_URLCONF = "bench.urls"

# The fault run kills a Celery worker with SIGKILL. Redis redelivers the
# messages that worker held only once they are older than the visibility
# timeout (production: one hour), so the fault run may shorten it to watch
# the redelivery happen. Unset, production's value stands.
if os.environ.get("BENCH_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["BENCH_VISIBILITY_TIMEOUT"]),
    }

# The bench has no network. A provider is configured (a dummy TMDB key, so
# that the provider search answers for films) and every provider's API points
# at a closed port on loopback: a search missing the cache fails at once
# (connection refused, no retry) with a 503 instead of calling out.
# bench/provider_cache.py puts the answer the measured search asks for in the
# provider-search cache. The per-person search limit (30 a minute, counted on
# cache hits too) would turn the measured searches into 429s within a second:
# it stays in force (its Redis counter is still hit on every request) at a
# height the bench does not reach.
BENCH_DEAD_URL = "http://127.0.0.1:9"
TMDB_API_KEY = "bench-dummy-key"
TMDB_API_URL = f"{BENCH_DEAD_URL}/3"
IGDB_CLIENT_ID = IGDB_CLIENT_SECRET = ""
ANILIST_API_URL = f"{BENCH_DEAD_URL}/graphql"
PROVIDER_RETRIES = 0
PROVIDER_TIMEOUT_SECONDS = 1.0
RATE_LIMITS = {**RATE_LIMITS, "provider-search": (10**9, 60)}  # noqa: F405
