import { expect, test } from "./fixtures";

/** The value of one sample of the server's metrics, or 0 when absent. */
async function sample(metricsURL: string, series: string): Promise<number> {
  const text = await (await fetch(metricsURL)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

test("a page view's timings reach the server's histograms when the page is left", async ({
  page,
  build,
  metricsURL,
}) => {
  const kind = build === "ssr" ? "islands" : "spa";
  const series = (vital: string) =>
    `conduit_web_vitals_duration_seconds_count{vital="${vital}",build="${kind}",page="other"}`;
  const before = {
    ttfb: await sample(metricsURL, series("ttfb")),
    tti: await sample(metricsURL, series("tti")),
    lcp: await sample(metricsURL, series("lcp")),
    cls: await sample(metricsURL, `conduit_web_vitals_cls_count{build="${kind}",page="other"}`),
  };
  // A page of the kind "other" (no route), which no other test opens with
  // scripts on: what is counted there is this page view's.
  await page.goto("/vitals-check/not-a-page");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 15_000 });
  await expect(page.locator("h1")).toHaveText("Page not found");
  // Leaving the page sends the beacon (pagehide); the browser delivers it
  // after the page is gone.
  await page.goto("about:blank");
  await expect
    .poll(() => sample(metricsURL, series("tti")), { timeout: 10_000 })
    .toBeGreaterThan(before.tti);
  expect(await sample(metricsURL, series("ttfb"))).toBeGreaterThan(before.ttfb);
  expect(await sample(metricsURL, series("lcp"))).toBeGreaterThan(before.lcp);
  expect(
    await sample(metricsURL, `conduit_web_vitals_cls_count{build="${kind}",page="other"}`),
  ).toBeGreaterThan(before.cls);
});
