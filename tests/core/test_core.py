import pytest
from django.core import mail
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.errors import Conflict
from core.ratelimit import Limit


@api_view(["POST"])
@permission_classes([AllowAny])
def echo(request):
    if request.data.get("conflict"):
        raise Conflict("Already there.", code="already_there")
    return Response({"got": request.data})


def boom(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("api/v1/echo", echo), path("boom", boom)]


def test_healthz_reports_database_cache_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"


def test_healthz_reports_a_broken_cache(client, db, monkeypatch):
    monkeypatch.setattr("core.views._check_cache", lambda: (_ for _ in ()).throw(RuntimeError("down")))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"


@pytest.mark.urls("tests.core.test_core")
class TestApiErrors:
    def test_malformed_json_is_a_400_with_detail_and_code(self, client):
        response = client.post("/api/v1/echo", data="{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert response.json()["detail"]

    def test_wrong_content_type_is_415(self, client):
        response = client.post("/api/v1/echo", data="<a/>", content_type="application/xml")
        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"

    def test_huge_body_is_413_before_reading(self, client):
        response = client.post("/api/v1/echo", data='{"a": "' + "x" * 1_100_000 + '"}', content_type="application/json")
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"

    def test_service_error_becomes_detail_and_code(self, client):
        response = client.post("/api/v1/echo", data={"conflict": True}, content_type="application/json")
        assert response.status_code == 409
        assert response.json() == {"detail": "Already there.", "code": "already_there"}

    def test_trailing_slash_reaches_the_same_endpoint(self, client):
        response = client.post("/api/v1/echo/", data={"a": 1}, content_type="application/json")
        assert response.status_code == 200
        assert response.json() == {"got": {"a": 1}}


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


class TestRateLimit:
    def test_counts_per_identity_and_blocks_over_the_limit(self):
        limit = Limit("test", 3, 60)
        assert [limit.hit("a") for _ in range(4)] == [1, 2, 3, 4]
        assert limit.is_exceeded("a")
        assert not limit.is_exceeded("b")
        limit.reset("a")
        assert limit.count("a") == 0

    def test_check_raises_429_with_retry_after(self):
        from core.errors import RateLimited

        limit = Limit("test-check", 1, 60)
        limit.check("x")
        with pytest.raises(RateLimited) as excinfo:
            limit.check("x")
        assert excinfo.value.status == 429
        assert 0 < int(excinfo.value.headers["Retry-After"]) <= 60


@pytest.mark.urls("tests.core.test_core")
def test_500_mails_admins_but_a_storm_sends_one(client, db, settings):
    from core.logging import ThrottledAdminEmailHandler

    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.DEBUG = False
    ThrottledAdminEmailHandler._local_seen.clear()
    client.raise_request_exception = False
    for _ in range(25):
        assert client.get("/boom").status_code == 500
    assert len(mail.outbox) == 1
    assert "kaboom" in mail.outbox[0].body
    assert mail.outbox[0].to == ["ops@example.com"]


def test_failing_celery_task_mails_admins(db, settings):
    from celery import shared_task

    from core.logging import ThrottledAdminEmailHandler

    settings.ADMINS = [("Ops", "ops@example.com")]
    ThrottledAdminEmailHandler._local_seen.clear()

    @shared_task(name="tests.failing")
    def failing():
        raise ValueError("task broke")

    from config.celery import app

    app.conf.task_eager_propagates = False
    try:
        for _ in range(5):
            failing.apply()
    finally:
        app.conf.task_eager_propagates = True
    assert len(mail.outbox) == 1
    assert "task broke" in mail.outbox[0].body or "task broke" in mail.outbox[0].subject


def test_500_page_for_browser_is_html(client, db, settings):
    settings.ROOT_URLCONF = "tests.core.test_core"
    client.raise_request_exception = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.integration
def test_email_task_is_delivered_by_a_real_worker(celery_worker_process):
    from core.tasks import send_email

    send_email.apply_async(
        kwargs={
            "template": "tests/test_ping",
            "to": ["ping@example.com"],
            "context": {"word": "pong"},
            "locale": "en",
            "key": "k1",
        },
        queue=celery_worker_process.queue,
    )
    files = celery_worker_process.wait_for(lambda: list(celery_worker_process.mail_dir.glob("*.eml")))
    text = files[0].read_text()
    assert "ping@example.com" in text
    assert "pong" in text


def test_database_outage_under_a_session_is_a_503_page(client, db):
    """The session is read by a middleware, before any view (from the
    database when the cache does not have it): the outage reaches the 500
    handler, which must answer 503 without touching the database again."""
    from django.db import OperationalError, connection

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    client.raise_request_exception = False
    client.cookies["sessionid"] = "a" * 32
    with connection.execute_wrapper(refuse):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_database_outage_in_a_view_renders_the_error_page_without_the_database(client, db, monkeypatch):
    """The error page's layout shows the signed-in person (a query for the
    profile); with the database gone that query must not be made."""
    from django.db import OperationalError, connection

    import core.views
    from tests.factories import UserFactory

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    def home_when_the_database_goes(request):
        connection.execute_wrappers.append(refuse)
        raise OperationalError("connection refused")

    client.force_login(UserFactory())
    monkeypatch.setattr(core.views, "render", lambda request, *a, **k: home_when_the_database_goes(request))
    client.raise_request_exception = False
    try:
        response = client.get("/")
    finally:
        if refuse in connection.execute_wrappers:
            connection.execute_wrappers.remove(refuse)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_an_email_is_sent_once_per_key_even_when_the_cache_forgets(db, mailoutbox, clear_cache):
    """A redelivered task (worker killed after sending) must not send again,
    and a cache restart or eviction must not make it forget it sent."""
    from core.mail import deliver

    kwargs = {
        "template": "tests/test_ping",
        "to": ["a@example.com"],
        "context": {"word": "w"},
        "locale": "en",
        "key": "k-1",
    }
    assert deliver(**kwargs) is True
    clear_cache()
    assert deliver(**kwargs) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"].startswith("<")


def test_old_idempotency_keys_are_purged(db):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import SentEmail
    from core.tasks import purge_sent_email_keys

    old = SentEmail.objects.create(key="old", message_id="<a@b>")
    SentEmail.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=31))
    SentEmail.objects.create(key="new", message_id="<c@d>")
    assert purge_sent_email_keys() == 1
    assert list(SentEmail.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize("path", ["/api/v1/titles/4617460285268343260050358272", "/titles/99999999999999999999999/"])
def test_an_id_too_large_for_the_database_is_a_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
