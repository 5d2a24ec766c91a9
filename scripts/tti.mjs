// Time to interactive, measured in Chromium (Debian's, as the end-to-end
// tests use it): each URL is loaded cold RUNS times (a new browser context
// each time: no HTTP cache, no compiled WASM), and two moments are taken
// from the page's own clock (ms since navigation start):
//   content      the page shows its content (an article preview or an
//                article's title): first paint for server-rendered pages,
//                after the API calls for the SPA;
//   interactive  `data-hydrated` is set on <html> (frontend/src/lib.rs): the
//                page's islands (the SPA: the whole app) are live, and every
//                control works.
//
//   node scripts/tti.mjs URL...      prints one JSON line per URL
//
// Used by scripts/bench.sh; RUNS (default 20) sets the number of loads.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const runs = Number(process.env.RUNS ?? 20);
const CONTENT = ".article-preview, .article-page h1";

// Runs in the page before any of its scripts.
function watch(selector) {
  const marks = {};
  window.__marks = marks;
  const check = () => {
    const now = performance.now();
    if (marks.content === undefined && document.querySelector(selector)) marks.content = now;
    if (marks.interactive === undefined && document.documentElement.hasAttribute("data-hydrated")) {
      marks.interactive = now;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener("DOMContentLoaded", check);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
try {
  for (const url of process.argv.slice(2)) {
    const content = [];
    const interactive = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(watch, CONTENT);
      await page.goto(url);
      await page.waitForFunction(
        () => window.__marks.content !== undefined && window.__marks.interactive !== undefined,
        null,
        { timeout: 15_000 },
      );
      const marks = await page.evaluate(() => window.__marks);
      content.push(marks.content);
      interactive.push(marks.interactive);
      await context.close();
    }
    console.log(
      JSON.stringify({
        url,
        runs,
        content_ms: Math.round(median(content)),
        interactive_ms: Math.round(median(interactive)),
      }),
    );
  }
} finally {
  await browser.close();
}
