"""What the site-wide browser tests share: signing in, axe-core, CSP reports."""

from __future__ import annotations

from pathlib import Path

from django.test import Client

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def sign_in(page, user) -> None:
    """A session made by Django itself, so the test does not depend on the sign-in pages."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}])


def admin_sign_in(page, user) -> None:
    """As sign_in, with the verified second factor /admin/ demands of staff (tests.conftest.admin_login)."""
    from tests.conftest import admin_login

    client = admin_login(Client(), user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}])


def new_context(browser, base: str, *, screen: str = "desktop", locale: str = "en-US", color_scheme: str = "light"):
    kwargs = {"viewport": SCREENS[screen], "locale": locale, "color_scheme": color_scheme}
    if screen == "phone":
        kwargs |= {"is_mobile": True, "has_touch": True}
    context = browser.new_context(**kwargs)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = base
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return context, page


def axe_violations(page, *, impacts=("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.x A/AA findings of the given impacts, one line each."""
    # evaluate() runs outside the page's CSP, which refuses an injected <script>.
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))}));
        }"""
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result if v["impact"] in impacts]
