import { expect, test } from "./fixtures";

test.describe("the server-rendered shell", () => {
  test.use({ javaScriptEnabled: false });

  test("renders the navbar, banner and tags without JavaScript", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.locator("nav.navbar a.navbar-brand")).toHaveText("conduit");
    await expect(page.locator(".banner h1")).toHaveText("conduit");
    await expect(page.locator(".sidebar")).toContainText("Popular Tags");
    await expect(page).toHaveTitle(/Conduit/);
  });

  test("answers an unknown route with a 404 page", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.locator("h1")).toHaveText("Page not found");
  });
});

test.describe("hydration", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("makes the navbar toggle respond to clicks", async ({ page }) => {
    await page.goto("/");
    const toggle = page.locator("button.navbar-toggler");
    // Clicking before hydration does nothing, so retry until the WASM
    // bundle has taken over and the menu opens.
    await expect(async () => {
      await toggle.click();
      await expect(page.locator("nav.navbar")).toHaveClass(/\bopen\b/, { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await expect(page.locator("nav.navbar a.nav-link", { hasText: "Sign in" })).toBeVisible();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
  });
});

test("hashed assets are cached for a year and sent precompressed", async ({ page, request }) => {
  await page.goto("/");
  const stylesheet = await page.locator('link[rel="stylesheet"]').first().getAttribute("href");
  expect(stylesheet).toMatch(/^\/pkg\/conduit\..+\.css$/);
  const asset = await request.get(stylesheet!, { headers: { "Accept-Encoding": "br" } });
  expect(asset.status()).toBe(200);
  expect(asset.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  expect(asset.headers()["content-encoding"]).toBe("br");
});
