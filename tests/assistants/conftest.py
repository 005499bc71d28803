import pytest

from .factories import register_client


@pytest.fixture
def oauth_app(db):
    return register_client()


def run_async(fn, *args):
    """``anyio.run`` in a thread of its own: Playwright's sync API (browser
    tests in the same process) keeps an event loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, fn, *args).result()
