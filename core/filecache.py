"""The embedded default's cache: Django's file cache, with ``add`` and
``incr`` atomic across processes.

Django's ``FileBasedCache.add`` checks, then writes, and ``incr`` reads,
then writes: two gunicorn workers counting the same failed sign-in at once
both read 3 and both write 4. Rate limits, single-use marks and
``core.cache`` versions rely on these two being atomic, as they are on
Redis, so here they take an exclusive lock on a file in the cache
directory (``flock``: released by the kernel if a process dies holding it).
Plain reads and writes are left as they are: a write is already a rename.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache


class FileBasedCache(DjangoFileBasedCache):
    @contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        """Add ``delta`` and keep the entry's expiry (Django's would reset it)."""
        with self._locked():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 - the cache's own files, read as Django reads them
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except FileNotFoundError:
                expiry, value = 0, None
            now = time.time()
            if value is None or (expiry is not None and expiry < now):
                raise ValueError(f"Key '{key}' not found")
            value += delta
            timeout = None if expiry is None else max(expiry - now, 0.001)
            self.set(key, value, timeout, version)
            return value
