import { defineConfig, devices } from "@playwright/test";
import path from "node:path";

// The suite runs against the release build started below, on its own port and
// its own fresh database (`make e2e` creates it). The browser is Debian's
// Chromium: nothing is downloaded.
const addr = process.env.E2E_ADDR ?? "127.0.0.1:3100";
const baseURL = `http://${addr}`;
const serverBin = process.env.SERVER_BIN ?? path.resolve(__dirname, "../target/release/server");
const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) {
  throw new Error("E2E_DATABASE_URL is not set: run the suite with `make e2e`");
}

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
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
      },
    },
  ],
  // Playwright refuses to start when the port is already taken
  // (reuseExistingServer: false), so a stale server can never be tested by mistake.
  webServer: {
    command: serverBin,
    cwd: path.resolve(__dirname, ".."),
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: databaseUrl,
      LEPTOS_SITE_ADDR: addr,
      METRICS_ADDR: "127.0.0.1:0",
      APP_ENV: "development",
      RUST_LOG: "warn",
      // Every journey signs up from 127.0.0.1: the limits are tested on their own.
      RATE_LIMIT_SIGN_IN_PER_MINUTE: "0",
      RATE_LIMIT_SIGN_UP_PER_MINUTE: "0",
      RATE_LIMIT_WRITES_PER_MINUTE: "0",
    },
  },
});
