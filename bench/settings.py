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
