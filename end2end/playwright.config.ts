import { defineConfig, devices } from "@playwright/test";
import path from "node:path";
import type { Options } from "./tests/fixtures";

// Two builds of the app, one suite. `ssr`: the release server renders and
// hydrates (its own port, its own fresh database: `make e2e` creates it).
// `spa`: the client-side build (target/spa, built against this same server's
// API) served by nginx with the hosting rules Amplify gets, on another
// origin. The browser is Debian's Chromium: nothing is downloaded.
const addr = process.env.E2E_ADDR ?? "127.0.0.1:3100";
const spaAddr = process.env.E2E_SPA_ADDR ?? "127.0.0.1:3102";
const metricsAddr = process.env.E2E_METRICS_ADDR ?? "127.0.0.1:3103";
const metricsURL = `http://${metricsAddr}/metrics`;
const baseURL = `http://${addr}`;
const spaURL = `http://${spaAddr}`;
const root = path.resolve(__dirname, "..");
const serverBin = process.env.SERVER_BIN ?? path.join(root, "target/release/server");
const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) {
  throw new Error("E2E_DATABASE_URL is not set: run the suite with `make e2e`");
}

const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig<Options>({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [["list"]],
  use: {
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "ssr",
      testIgnore: /spa\.spec\.ts/,
      use: { ...chromium, baseURL, apiURL: baseURL, build: "ssr", metricsURL },
    },
    {
      name: "spa",
      testMatch: /(journeys|spa|vitals)\.spec\.ts/,
      use: { ...chromium, baseURL: spaURL, apiURL: baseURL, build: "spa", metricsURL },
    },
  ],
  // Playwright refuses to start when a port is already taken
  // (reuseExistingServer: false), so a stale server can never be tested by mistake.
  webServer: [
    {
      command: serverBin,
      cwd: root,
      url: `${baseURL}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        DATABASE_URL: databaseUrl,
        LEPTOS_SITE_ADDR: addr,
        METRICS_ADDR: metricsAddr,
        // Every page view sends its timings (production samples 10%).
        VITALS_SAMPLE_RATE: "1",
        APP_ENV: "development",
        RUST_LOG: "warn",
        // The SPA's origin, and no other: the CORS test relies on it.
        CORS_ALLOWED_ORIGINS: spaURL,
        // Development sets no rate limits: every journey signs up from
        // 127.0.0.1, and the limits are tested on their own.
      },
    },
    {
      command: `${root}/end2end/serve-spa.sh ${spaAddr.split(":")[1]} ${process.env.E2E_SPA_DIR ?? "target/spa-e2e"}`,
      cwd: root,
      url: `${spaURL}/index.html`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
