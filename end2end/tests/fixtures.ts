import { test as base, expect } from "@playwright/test";

/** Which build a project drives, and where its REST API is. */
export interface Options {
  build: "ssr" | "spa";
  apiURL: string;
  /** The server's metrics listener (`/metrics`). */
  metricsURL: string;
}

/**
 * Every test's page is watched for what must never happen in a journey: a
 * script or resource refused by the Content-Security-Policy, a hydration
 * mismatch, or a panic in the WASM bundle. Other console noise (a 404 page's
 * failed request) is not a defect. `request` talks to the REST API, wherever
 * the build under test is served from.
 */
export const test = base.extend<Options & { watchConsole: void }>({
  build: ["ssr", { option: true }],
  apiURL: ["", { option: true }],
  metricsURL: ["", { option: true }],
  request: async ({ playwright, apiURL }, use) => {
    const context = await playwright.request.newContext({ baseURL: apiURL });
    await use(context);
    await context.dispose();
  },
  watchConsole: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        if (/Content Security Policy|hydrat|panicked/i.test(text)) {
          problems.push(`${message.type()}: ${text}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await use();
      expect(problems, "CSP violations, hydration errors or panics").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
