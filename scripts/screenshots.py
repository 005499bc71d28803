"""Screenshots of the main pages for a look by eye (issue 16): home, titles,
a title, a profile and settings, light and dark, desktop (1366x900) and
phone (390x844), English and Russian. Not run in CI.

    make run PORT=8101 &   # demo data; then set one demo person to Russian:
    python manage.py shell -c "from accounts.models import User; User.objects.filter(email='mira@walks.localhost').update(locale='ru')"
    python scripts/screenshots.py --base http://127.0.0.1:8101   # PNGs in var/screenshots/

Each page is also checked for what a screenshot can hide: a page wider than
the screen (horizontal scrolling on a phone), and a state badge that wraps
or stretches beyond its text. Those findings are printed; the exit status is
1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "walks-demo-2026"
PEOPLE = {"en": ("demo@walks.localhost", "demo"), "ru": ("mira@walks.localhost", "mira")}

CHECKS = """() => {
    const problems = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) problems.push(`page is ${doc.scrollWidth}px wide on a ${window.innerWidth}px screen`);
    for (const b of document.querySelectorAll('.badge, .pill, .score__value, .state-picker__btn')) {
        const r = b.getBoundingClientRect();
        if (!r.width) continue;
        const cs = getComputedStyle(b);
        const inner = r.height - ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'].reduce((n, k) => n + parseFloat(cs[k]), 0);
        const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
        const lines = Math.round(inner / lh);
        if (lines > 1) problems.push(`${b.className} "${b.textContent.trim()}" wraps onto ${lines} lines`);
        const range = document.createRange(); range.selectNodeContents(b);
        const text = range.getBoundingClientRect().width;
        const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
        if (b.classList.contains('badge') && r.width > text + pad + 4) problems.push(`badge "${b.textContent.trim()}" is ${Math.round(r.width)}px for ${Math.round(text + pad)}px of text`);
    }
    return problems;
}"""


def _load_lazy_images(page) -> None:
    """A full-page screenshot does not scroll, so lazy covers below the fold
    would show empty: scroll through the page first."""
    page.evaluate(
        """async () => {
            for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
                window.scrollTo(0, y);
                await new Promise(r => setTimeout(r, 60));
            }
            window.scrollTo(0, 0);
        }"""
    )
    page.wait_for_load_state("networkidle")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/signin/")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form button[type="submit"]').first.click()
    page.wait_for_load_state()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "var" / "screenshots"))
    parser.add_argument("--prefix", default="")
    parser.add_argument("--title", default="", help="path of the title page to show (default: the first on /titles/)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    found: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for lang, (email, username) in PEOPLE.items():
            for scheme in ("light", "dark"):
                for screen, viewport in SCREENS.items():
                    extra = {"is_mobile": True, "has_touch": True} if screen == "phone" else {}
                    context = browser.new_context(viewport=viewport, color_scheme=scheme, locale=lang, **extra)
                    page = context.new_page()
                    sign_in(page, args.base, email)
                    title = args.title
                    if not title:
                        page.goto(f"{args.base}/titles/")
                        title = page.locator(".title-card").first.get_attribute("href")
                    pages = {
                        "home": "/",
                        "titles": "/titles/",
                        "title": title,
                        "profile": f"/u/{username}/",
                        "settings": "/settings/",
                    }
                    for name, path in pages.items():
                        page.goto(args.base + path)
                        page.wait_for_load_state("networkidle")
                        _load_lazy_images(page)
                        shot = out / f"{args.prefix}{name}-{lang}-{scheme}-{screen}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        found += [f"{shot.name}: {p}" for p in page.evaluate(CHECKS)]
                    context.close()
        browser.close()
    for line in found:
        print(line)
    print(f"{len(list(out.glob(args.prefix + '*.png')))} screenshots in {out}; {len(found)} findings")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
