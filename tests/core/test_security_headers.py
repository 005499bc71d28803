"""The edges a browser sees: a strict Content-Security-Policy on every
response, HSTS and the https redirect when SITE_URL is https, and
``check --deploy`` silent with the README's production environment."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/titles/", "/signin/", "/admin/login/", "/no-such-page/", "/api/v1/docs"])
def test_every_page_has_a_strict_csp(client, db, path):
    policy = _csp(client.get(path))
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]


def test_covers_load_from_the_provider_image_hosts(client, db):
    """Provider covers are <img> from the configured image URLs' origins, and no other host."""
    img = _csp(client.get("/titles/"))["img-src"].split()[1:]
    assert img[:3] == ["'self'", "data:", "blob:"]
    assert {"https://image.tmdb.org", "https://images.igdb.com", "https://s4.anilist.co"} <= set(img)
    assert "*" not in img and "https:" not in img


def test_covers_from_object_storage_are_allowed_when_configured():
    env = {
        "AWS_STORAGE_BUCKET_NAME": "walks-covers",
        "AWS_S3_CUSTOM_DOMAIN": "cdn.example.net",
        "TMDB_IMAGE_URL": "http://127.0.0.1:9400/t/p/w500",
    }
    show = "import django; django.setup(); from django.conf import settings; print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    result = _run({**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, "-c", show)
    assert result.returncode == 0, result.stderr
    img = result.stdout.strip().splitlines()[-1].split()
    assert "https://cdn.example.net" in img and "http://127.0.0.1:9400" in img


def test_the_api_too_has_the_policy(client, db):
    assert "default-src 'self'" in client.get("/api/v1/titles").get("Content-Security-Policy", "")


def test_no_template_or_admin_snippet_has_inline_script_style_or_handler():
    """The policy would block them: every behaviour lives in a static file."""
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        if "email" in path.parts or ".venv" in path.parts:
            continue  # e-mails are not pages: mail clients need inline styles
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))
    for path in ROOT.glob("*/admin.py"):
        if re.search(r"style=[\"']|<script", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def _readme_production_env() -> dict[str, str]:
    """The variables the README's production section exports, as written."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("### Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        if not line.startswith("export "):
            continue
        for name, value in re.findall(r"(\w+)=(\$\([^)]*\)\)|\S+)", line[len("export ") :]):
            env[name] = secrets.token_urlsafe(50) if value.startswith("$(") else value
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "SITE_URL"))
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_the_readme_production_environment_reports_nothing():
    env = _readme_production_env()
    assert env["SITE_URL"].startswith("https://") and "DJANGO_SECRET_KEY" in env
    result = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS]))"
)


def test_https_site_url_turns_on_hsts_and_the_redirect():
    env = {**_readme_production_env(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = _run(env, "-c", SHOW)
    redirect, hsts, subdomains = json.loads(result.stdout.strip().splitlines()[-1])
    assert redirect is True and hsts >= 31_536_000 and subdomains is True


def test_plain_http_embedded_default_has_neither():
    result = _run({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "x" * 50}, "-c", SHOW)
    redirect, hsts, _subdomains = json.loads(result.stdout.strip().splitlines()[-1])
    assert redirect is False and hsts == 0


SHOW_SITE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SITE_URL, s.ALLOWED_HOSTS]))"
)


def test_make_run_port_and_host_give_the_site_url_and_hosts():
    """`make run PORT=8101 HOST=0.0.0.0` passes WALKS_PORT/WALKS_HOST: links and hosts follow."""
    base = {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "x" * 50}
    site, hosts = json.loads(_run({**base, "WALKS_PORT": "8101"}, "-c", SHOW_SITE).stdout.strip().splitlines()[-1])
    assert site == "http://127.0.0.1:8101" and "127.0.0.1" in hosts
    lan = {**base, "WALKS_PORT": "8101", "WALKS_HOST": "0.0.0.0"}
    site, hosts = json.loads(_run(lan, "-c", SHOW_SITE).stdout.strip().splitlines()[-1])
    assert site.endswith(":8101") and site.split("//")[1].split(":")[0] in hosts
    explicit = {**lan, "SITE_URL": "http://walks.lan:9000", "DJANGO_ALLOWED_HOSTS": "walks.lan"}
    assert json.loads(_run(explicit, "-c", SHOW_SITE).stdout.strip().splitlines()[-1]) == [
        "http://walks.lan:9000",
        ["walks.lan"],
    ]
