import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** A name no other test uses, safe in URLs. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export interface Account {
  username: string;
  email: string;
  password: string;
}

export function newAccount(prefix = "user"): Account {
  const username = uniqueName(prefix);
  return { username, email: `${username}@example.com`, password: "password123" };
}

/** Signs up through the form and waits until the navbar shows the user. */
export async function signUp(page: Page, account: Account = newAccount()): Promise<Account> {
  await page.goto("/register");
  await page.fill("input[name=username]", account.username);
  await page.fill("input[name=email]", account.email);
  await page.fill("input[name=password]", account.password);
  await page.click("button[type=submit]");
  await expect(page).toHaveURL("/");
  await expect(page.locator(`nav.navbar a.nav-link[href="/profile/${account.username}"]`)).toBeVisible();
  return account;
}

export async function signIn(page: Page, account: Account): Promise<void> {
  await page.goto("/login");
  await page.fill("input[name=email]", account.email);
  await page.fill("input[name=password]", account.password);
  await page.click("button[type=submit]");
  await expect(page.locator(`nav.navbar a.nav-link[href="/profile/${account.username}"]`)).toBeVisible();
}

export interface Draft {
  title: string;
  description: string;
  body: string;
  tags: string[];
}

/** Publishes through the editor; returns the article's URL path. */
export async function publish(page: Page, draft: Draft): Promise<string> {
  await page.goto("/editor");
  await page.fill("input[name=title]", draft.title);
  await page.fill("input[name=description]", draft.description);
  await page.fill("textarea[name=body]", draft.body);
  const tagInput = page.locator('input[placeholder="Enter tags"]');
  await waitForHydration(page);
  for (const tag of draft.tags) {
    await tagInput.fill(tag);
    await tagInput.press("Enter");
    await expect(page.locator(".tag-list .tag-pill", { hasText: tag })).toBeVisible();
  }
  await page.click("button:has-text('Publish Article')");
  await expect(page).toHaveURL(/\/article\//);
  await expect(page.locator(".article-page .banner h1")).toHaveText(draft.title);
  return new URL(page.url()).pathname;
}

/** Resolves once the WASM bundle has taken over the page. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

/** Creates an article through the REST API (quicker than the editor for set-up). */
export async function apiArticle(request: APIRequestContext, author: Account, title: string, tags: string[] = []): Promise<string> {
  const login = await request.post("/api/users/login", { data: { user: { email: author.email, password: author.password } } });
  expect(login.ok()).toBeTruthy();
  const token = (await login.json()).user.token as string;
  const created = await request.post("/api/articles", {
    headers: { Authorization: `Token ${token}` },
    data: { article: { title, description: `About ${title}`, body: `Body of ${title}`, tagList: tags } },
  });
  expect(created.status()).toBe(201);
  return (await created.json()).article.slug as string;
}
