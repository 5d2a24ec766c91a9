import { expect, test } from "./fixtures";
import { apiArticle, newAccount, signUp, uniqueName } from "./helpers";

// What the SPA build must do beyond the journeys (docs/realworld/SPA.md):
// the token, the start-up check, error lists and page failures, deep links
// through the static host, and the server's CORS.

const debug = (page: import("@playwright/test").Page, call: string) =>
  page.evaluate(`window.__conduit_debug__.${call}()`);

test("a bad stored token is dropped at start-up", async ({ page }) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem("seeded")) {
      localStorage.setItem("jwtToken", "not-a-token");
      sessionStorage.setItem("seeded", "1");
    }
  });
  await page.goto("/");
  await expect(page.locator("nav.navbar a.nav-link", { hasText: "Sign in" })).toBeVisible();
  expect(await debug(page, "getAuthState")).toBe("unauthenticated");
  expect(await debug(page, "getToken")).toBeNull();
  expect(await page.evaluate(() => localStorage.getItem("jwtToken"))).toBeNull();
});

test("an unreachable API shows Connecting… and keeps the token", async ({ page, apiURL }) => {
  await page.route(`${apiURL}/api/user`, (route) => route.abort());
  await page.addInitScript(() => localStorage.setItem("jwtToken", "kept-token"));
  await page.goto("/");
  await expect(page.getByText(/connecting/i)).toHaveCount(1);
  await expect(page.locator("nav.navbar")).toContainText("Connecting…");
  expect(await debug(page, "getAuthState")).toBe("unavailable");
  expect(await debug(page, "getToken")).toBe("kept-token");
  // Public pages work meanwhile.
  await expect(page.locator(".banner")).toBeVisible();
  await expect(page.locator(".feed-toggle")).toBeVisible();
});

test("signing in keeps the token where the contract says and the debug hook tells", async ({ page }) => {
  const account = await signUp(page);
  expect(await debug(page, "getAuthState")).toBe("authenticated");
  const token = await page.evaluate(() => localStorage.getItem("jwtToken"));
  expect(token).toBeTruthy();
  expect(await debug(page, "getToken")).toBe(token);
  const user = (await debug(page, "getCurrentUser")) as { username: string; token: string };
  expect(user.username).toBe(account.username);
  await page.reload();
  await expect(page.locator(`nav.navbar a[href="/profile/${account.username}"]`)).toBeVisible();
});

test("failed sign-ins show one error list and keep the form", async ({ page, apiURL }) => {
  await page.goto("/login");
  await page.fill("input[name=email]", "nobody@example.com");
  await page.fill("input[name=password]", "wrong-password");
  await page.click("button[type=submit]");
  await expect(page.locator("ul.error-messages li")).toHaveText(["credentials invalid"]);
  await expect(page).toHaveURL("/login");
  await expect(page.locator("input[name=email]")).toHaveValue("nobody@example.com");

  await page.route(`${apiURL}/api/users/login`, (route) =>
    route.fulfill({ status: 500, contentType: "application/json", body: '{"errors":{"server":["boom"]}}' }),
  );
  await page.click("button[type=submit]");
  await expect(page.locator("ul.error-messages li")).toHaveText(["server boom"]);

  await page.unroute(`${apiURL}/api/users/login`);
  await page.route(`${apiURL}/api/users/login`, (route) => route.fulfill({ status: 502, body: "Bad Gateway" }));
  await page.click("button[type=submit]");
  await expect(page.locator("ul.error-messages li")).toHaveText(["status 502"]);

  await page.unroute(`${apiURL}/api/users/login`);
  await page.route(`${apiURL}/api/users/login`, (route) => route.abort());
  await page.click("button[type=submit]");
  await expect(page.locator("ul.error-messages li")).toHaveText([
    "Unable to connect. Please check your internet connection.",
  ]);
  await expect(page.locator("ul.error-messages")).toHaveCount(1);
  await expect(page.locator("button[type=submit]")).toBeEnabled();
});

test("pages that fail keep their frame and say so", async ({ page, apiURL }) => {
  await page.route(`${apiURL}/api/articles/broken`, (route) => route.fulfill({ status: 500, body: "oops" }));
  await page.route(`${apiURL}/api/articles/broken/comments`, (route) => route.abort());
  await page.goto("/article/broken");
  await expect(page.locator(".article-page")).toBeVisible();
  await expect(page.locator(".article-page")).toContainText("status 500");

  await page.route(`${apiURL}/api/profiles/broken`, (route) => route.fulfill({ status: 503, body: "" }));
  await page.goto("/profile/broken");
  await expect(page.locator(".profile-page")).toBeVisible();
  await expect(page.locator(".user-info")).toHaveCount(0);

  await page.route(`${apiURL}/api/articles?**`, (route) => route.abort());
  await page.goto("/");
  await expect(page.locator(".banner")).toBeVisible();
  await expect(page.locator(".feed-toggle")).toBeVisible();
  await expect(page.locator("nav.navbar")).toBeVisible();

  await page.goto("/no/such/route");
  await expect(page.getByText("Page not found")).toBeVisible();
});

test("a refused write keeps its old label and never crashes the page", async ({ page, browser, request, apiURL }) => {
  const author = newAccount("refused");
  await signUp(await browser.newPage(), author);
  const slug = await apiArticle(request, author, uniqueName("Guarded "));
  await signUp(page);
  await page.goto(`/article/${slug}`);
  const favorite = page.locator(".article-actions button", { hasText: /^\s*Favorite Article/ });
  for (const status of [400, 401, 403, 404, 500]) {
    // A real API answers errors with CORS headers too, so the page can read them.
    await page.route(`${apiURL}/api/articles/${slug}/favorite`, (route) =>
      route.fulfill({
        status: route.request().method() === "OPTIONS" ? 204 : status,
        contentType: "application/json",
        headers: {
          "Access-Control-Allow-Origin": "*",
          "Access-Control-Allow-Headers": "authorization, content-type",
          "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
        },
        body: '{"errors":{"article":["no"]}}',
      }),
    );
    // The refusal must have been answered before the route goes: the label
    // alone is the same before the request is even sent.
    const refused = page.waitForResponse(
      (response) =>
        response.url() === `${apiURL}/api/articles/${slug}/favorite` &&
        response.request().method() !== "OPTIONS",
    );
    await favorite.click();
    expect((await refused).status()).toBe(status);
    await expect(favorite).toHaveText(/Favorite Article \(0\)/);
    await expect(favorite).toBeEnabled();
    await page.unroute(`${apiURL}/api/articles/${slug}/favorite`);
  }
  expect(await debug(page, "getAuthState")).toBe("authenticated");
});

test("a refused comment delete says why; a delete that succeeds takes the comment away for good", async ({ page, browser, request, apiURL }) => {
  const author = newAccount("thread");
  await signUp(await browser.newPage(), author);
  const slug = await apiArticle(request, author, uniqueName("Thread "));
  await signUp(page);
  await page.goto(`/article/${slug}`);
  await page.fill('textarea[placeholder="Write a comment..."]', "Short-lived");
  await page.click("button:has-text('Post Comment')");
  const card = page.locator(".card", { hasText: "Short-lived" });
  await expect(card).toBeVisible();
  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "authorization, content-type",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
  };
  const deletes = new RegExp(`/api/articles/${slug}/comments/\\d+$`);
  await page.route(deletes, (route) =>
    route.fulfill({
      status: route.request().method() === "OPTIONS" ? 204 : 403,
      contentType: "application/json",
      headers: cors,
      body: '{"errors":{"comment":["forbidden"]}}',
    }),
  );
  await card.locator(".mod-options button").click();
  await expect(page.locator("ul.error-messages li")).toHaveText("comment forbidden");
  await expect(card).toBeVisible();
  await page.unroute(deletes);

  // The delete succeeds with a 200 and a body; a read of the comments that
  // still lists it (a lagging replica, a stale cache) must not bring it back.
  const stale = await (await request.get(`${apiURL}/api/articles/${slug}/comments`)).text();
  await page.route(deletes, (route) =>
    route.fulfill({ status: route.request().method() === "OPTIONS" ? 204 : 200, contentType: "application/json", headers: cors, body: "{}" }),
  );
  await page.route(`${apiURL}/api/articles/${slug}/comments`, (route) =>
    route.request().method() === "GET"
      ? route.fulfill({ status: 200, contentType: "application/json", headers: cors, body: stale })
      : route.fallback(),
  );
  await card.locator(".mod-options button").click();
  await expect(card).toHaveCount(0);
  await page.waitForTimeout(500);
  await expect(card).toHaveCount(0);
});

test("deep links load the app through the static host", async ({ page, browser, request }) => {
  const author = newAccount("linked");
  await signUp(await browser.newPage(), author);
  const title = uniqueName("Deep ");
  const slug = await apiArticle(request, author, title);
  for (const path of [`/article/${slug}`, `/profile/${author.username}/favorites`]) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    await page.reload();
    await expect(page.locator("nav.navbar")).toBeVisible();
  }
  await page.goto(`/article/${slug}`);
  await expect(page.locator(".article-page h1")).toHaveText(title);
});

test("the static host sends the hosting headers", async ({ page, request, baseURL }) => {
  const index = await request.get(`${baseURL}/`);
  expect(index.headers()["cache-control"]).toBe("no-cache");
  expect(index.headers()["x-content-type-options"]).toBe("nosniff");
  expect(index.headers()["content-security-policy"]).toContain("'wasm-unsafe-eval'");
  expect(index.headers()["strict-transport-security"]).toContain("max-age=");
  await page.goto("/");
  const css = await page.locator('link[rel="stylesheet"]').getAttribute("href");
  const asset = await request.get(`${baseURL}${css}`);
  expect(asset.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
});

test("the page may send requests to its API and to nowhere else", async ({ browser, apiURL }) => {
  // Its own page: the refusal below is what the suite's console watch reports as a defect.
  const page = await browser.newPage();
  const refused: string[] = [];
  page.on("console", (message) => {
    if (/violates the following Content Security Policy directive: "connect-src/.test(message.text())) {
      refused.push(message.text());
    }
  });
  await page.goto("/");
  await expect(page.locator("nav.navbar")).toBeVisible();
  const send = (url: string) => page.evaluate((url) => fetch(url).then(() => "sent", () => "failed"), url);
  // A local origin the hosting header admits, but the page's own policy does not.
  expect(await send("http://127.0.0.1:9/token")).toBe("failed");
  await expect.poll(() => refused.length).toBe(1);
  expect(refused[0]).toContain("http://127.0.0.1:9/token");
  expect(await send(`${apiURL}/api/tags`)).toBe("sent");
  expect(refused).toHaveLength(1);
  await page.close();
});

test("the API answers the SPA's origin only", async ({ request, baseURL }) => {
  const preflight = await request.fetch("/api/articles", {
    method: "OPTIONS",
    headers: {
      Origin: baseURL!,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization,content-type",
    },
  });
  expect(preflight.ok()).toBeTruthy();
  expect(preflight.headers()["access-control-allow-origin"]).toBe(baseURL);
  expect(preflight.headers()["access-control-allow-headers"]).toMatch(/authorization/i);
  expect(Number(preflight.headers()["access-control-max-age"])).toBeGreaterThan(0);
  const elsewhere = await request.get("/api/tags", { headers: { Origin: "https://evil.example" } });
  expect(elsewhere.headers()["access-control-allow-origin"]).toBeUndefined();
});
