"""Debian's chromium, headless, driven by Playwright: where it is, how it is launched, the
screenshots of the pages (``tests/webapp/screenshots/``, for review), and an accessibility
audit run inside the page (labels, text contrast, a visible focus ring).

The audit follows WCAG 2.2: text needs a contrast of 4.5:1 with its background (3:1 when
large: 24px, or 18.66px bold); a focus indicator 3:1 with what is around it (1.4.11); every
form field a label (1.3.1, 4.1.2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).parent / "screenshots"

_COLOURS = """
const parse = (css) => {
  const m = css.match(/rgba?\\(([^)]+)\\)/);
  if (!m) return {r: 0, g: 0, b: 0, a: 0};
  const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
};
const luminance = ({r, g, b}) => {
  const f = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const ratio = (x, y) => {
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
};
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c.a > 0) return c;
  }
  return {r: 255, g: 255, b: 255, a: 1};
};
const shown = (el) => {
  const rect = el.getBoundingClientRect();
  return rect.width > 0 && rect.height > 0 && rect.right > 0 && rect.bottom > 0;
};
"""

AUDIT = (
    "() => {"
    + _COLOURS
    + """
  const problems = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const byFor = el.id && document.querySelector(`label[for="${el.id}"]`);
    const named = byFor || el.closest('label') || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!named) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    for (const id of (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`describedby ${id} missing`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || el.tagName === 'OPTION' || !shown(el)) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const svg = el.closest('svg');
    const fg = parse(svg ? style.fill : style.color);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const got = ratio(fg, background(svg || el));
    if (got < need) problems.push(`contrast ${got.toFixed(2)} < ${need}: "${text.slice(0, 40)}"`);
  }
  return problems;
}"""
)

FOCUSED = (
    "() => {"
    + _COLOURS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = parse(style.outlineColor);
  return {
    what: `${el.tagName.toLowerCase()}#${el.id} ${(el.textContent || '').trim().slice(0, 30)}`,
    key: el.outerHTML.slice(0, 120),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: ratio(ring, background(el.parentElement || el)),
    shown: shown(el),
  };
}"""
)


@dataclass(frozen=True)
class Focus:
    what: str
    key: str
    style: str
    width: float
    contrast: float
    shown: bool

    @property
    def visible(self) -> bool:
        """A ring of 2px or more, 3:1 against the background around the element."""
        return self.shown and self.style != "none" and self.width >= 2 and self.contrast >= 3


async def audit(page: Any) -> list[str]:
    """What fails on the page: fields without a label, text below its contrast."""
    problems: list[str] = await page.evaluate(AUDIT)
    return problems


async def tab_through(page: Any, most: int = 40) -> list[Focus]:
    """Press Tab from the top of the page until the focus comes round again (or ``most``
    times); where the focus went each time."""
    await page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen: list[Focus] = []
    for _ in range(most):
        await page.keyboard.press("Tab")
        found = await page.evaluate(FOCUSED)
        if found is None:
            break
        focus = Focus(**found)
        if seen and focus.key == seen[0].key:
            break
        seen.append(focus)
    return seen


@asynccontextmanager
async def launched() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        await browser.close()


async def shot(page: Any, name: str) -> None:
    """The whole page as ``screenshots/<name>.png`` (``name`` may name a folder too)."""
    path = SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
