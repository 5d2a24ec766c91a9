import { expect, test } from "./fixtures";
import { apiArticle, newAccount, publish, signIn, signUp, uniqueName, waitForHydration } from "./helpers";

test("a visitor signs up and stays signed in after a reload", async ({ page }) => {
  const account = await signUp(page);
  await page.reload();
  await expect(page.locator(`nav.navbar a[href="/profile/${account.username}"]`)).toContainText(account.username);
  await expect(page.locator("nav.navbar img.user-pic")).toHaveAttribute("src", /default-avatar\.svg/);
});

test("signing up with a taken username shows the error", async ({ page, browser }) => {
  const account = await signUp(page);
  const other = await browser.newPage();
  await other.goto("/register");
  await other.fill("input[name=username]", account.username);
  await other.fill("input[name=email]", `other-${account.email}`);
  await other.fill("input[name=password]", "password123");
  await other.click("button[type=submit]");
  await expect(other.locator("ul.error-messages li")).toContainText("username has already been taken");
});

test("signing in with a wrong password shows the error and keeps the page and the email", async ({ page, build }) => {
  await page.goto("/login?redirect=%2Fsettings");
  await page.fill("input[name=email]", "nobody@example.com");
  await page.fill("input[name=password]", "wrong-password");
  await page.click("button[type=submit]");
  await expect(page.locator("ul.error-messages li")).toContainText("credentials invalid");
  await expect(page).toHaveURL("/login?redirect=%2Fsettings");
  await expect(page.locator("input[name=email]")).toHaveValue("nobody@example.com");
  // The server never sends a password back; the SPA's form never left the page.
  await expect(page.locator("input[name=password]")).toHaveValue(build === "ssr" ? "" : "wrong-password");
});

test("a failed article keeps the page and everything typed", async ({ page, build }) => {
  await signUp(page);
  await page.goto("/editor");
  await page.fill("input[name=description]", "kept description");
  await page.fill("textarea[name=body]", "kept *body*");
  await page.fill('input[placeholder="Enter tags"]', "kept");
  await page.click("button:has-text('Publish Article')");
  await expect(page.locator("ul.error-messages li")).toContainText("title can't be blank");
  await expect(page).toHaveURL("/editor");
  await expect(page.locator("input[name=description]")).toHaveValue("kept description");
  await expect(page.locator("textarea[name=body]")).toHaveValue("kept *body*");
  if (build === "ssr") {
    // The page came back from the server: what was typed in the tag field is a pill now.
    await expect(page.locator(".tag-list .tag-pill", { hasText: "kept" })).toBeVisible();
  } else {
    await expect(page.locator('input[placeholder="Enter tags"]')).toHaveValue("kept");
  }
});

test("a refused comment keeps its text", async ({ page, browser, request }) => {
  const author = newAccount("talked");
  await signUp(await browser.newPage(), author);
  const slug = await apiArticle(request, author, uniqueName("Talked "));
  await signUp(page);
  await page.goto(`/article/${slug}`);
  const long = "x".repeat(10_001);
  await page.fill('textarea[placeholder="Write a comment..."]', long);
  await page.click("button:has-text('Post Comment')");
  await expect(page.locator("ul.error-messages li")).toContainText("body is too long");
  await expect(page).toHaveURL(`/article/${slug}`);
  await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveValue(long);
  await expect(page.locator("ul.error-messages")).toHaveCount(1);
});

test("a favorite and a follow change both of the page's buttons in place", async ({ page, browser, request }) => {
  const author = newAccount("inplace");
  await signUp(await browser.newPage(), author);
  const slug = await apiArticle(request, author, uniqueName("In place "));
  await signUp(page);
  await page.goto(`/article/${slug}`);
  await waitForHydration(page);
  // A property of the page's window survives only if the page is not loaded again.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.locator(".article-actions button", { hasText: "Favorite Article" }).click();
  for (const meta of [".banner .article-meta", ".article-actions"]) {
    await expect(page.locator(`${meta} button`, { hasText: "Unfavorite Article (1)" })).toBeVisible();
  }
  await page.locator(".banner button", { hasText: `Follow ${author.username}` }).click();
  for (const meta of [".banner .article-meta", ".article-actions"]) {
    await expect(page.locator(`${meta} button`, { hasText: `Unfollow ${author.username}` })).toBeVisible();
  }
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  await page.reload();
  await expect(page.locator(".article-actions button", { hasText: "Unfavorite Article (1)" })).toBeVisible();
});

test("an author publishes, edits and deletes an article with tags", async ({ page, build }) => {
  await signUp(page);
  const title = uniqueName("Dragons ");
  const path = await publish(page, { title, description: "How to train", body: "# Heading\n\nSome **bold** text.", tags: ["dragons", "training"] });
  await expect(page.locator(".article-content h1")).toHaveText("Heading");
  await expect(page.locator(".article-content strong")).toHaveText("bold");
  await expect(page.locator(".article-content .tag-list li")).toHaveText(["dragons", "training"]);

  await page.click("a:has-text('Edit Article')");
  await expect(page).toHaveURL(/\/editor\//);
  await expect(page.locator("input[name=title]")).toHaveValue(title);
  await waitForHydration(page);
  await page.locator(".tag-pill", { hasText: "training" }).locator("i.ion-close-round").click();
  await page.fill("textarea[name=body]", "Edited body");
  await page.click("button:has-text('Publish Article')");
  await expect(page).toHaveURL(path);
  await expect(page.locator(".article-content")).toContainText("Edited body");
  await expect(page.locator(".article-content .tag-list li")).toHaveText(["dragons"]);

  await page.click("button:has-text('Delete Article')");
  await expect(page).toHaveURL("/");
  const gone = await page.goto(path);
  // The server says 404; a static host serves the SPA, which says it on the page.
  if (build === "ssr") expect(gone?.status()).toBe(404);
  await expect(page.locator(".article-page h1")).toHaveText("Page not found");
});

test("removing every tag in the editor saves an empty tag list", async ({ page }) => {
  await signUp(page);
  await publish(page, { title: uniqueName("Tagged "), description: "d", body: "b", tags: ["one"] });
  await page.click("a:has-text('Edit Article')");
  await waitForHydration(page);
  await page.locator(".tag-pill i.ion-close-round").click();
  await page.click("button:has-text('Publish Article')");
  await expect(page.locator(".article-content .tag-list li")).toHaveCount(0);
});

test("readers comment and delete their own comments", async ({ page, browser, request }) => {
  const author = newAccount("author");
  const authorPage = await browser.newPage();
  await signUp(authorPage, author);
  const slug = await apiArticle(request, author, uniqueName("Discuss "));

  await signUp(page);
  await page.goto(`/article/${slug}`);
  await page.fill('textarea[placeholder="Write a comment..."]', "First!");
  await page.click("button:has-text('Post Comment')");
  await expect(page.locator(".card .card-text", { hasText: "First!" })).toBeVisible();
  await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveValue("");
  await page.locator(".card", { hasText: "First!" }).locator("span.mod-options i.ion-trash-a").click();
  await expect(page.locator(".card .card-text", { hasText: "First!" })).toHaveCount(0);

  // Signed out: no textarea; links to sign in and sign up that come back
  // here, and never exactly `/login` (the navbar holds the one such link).
  const anonymous = await browser.newPage();
  await anonymous.goto(`/article/${slug}`);
  await expect(anonymous.locator(".article-page a[href^='/login?redirect=']")).toBeVisible();
  await expect(anonymous.locator('textarea[placeholder="Write a comment..."]')).toHaveCount(0);
  await expect(anonymous.locator("a[href='/login']")).toHaveCount(1);
  await anonymous.locator(".article-page a[href^='/login?redirect=']").click();
  await anonymous.fill("input[name=email]", `${author.username}@example.com`);
  await anonymous.fill("input[name=password]", "password123");
  await anonymous.click("button[type=submit]");
  await expect(anonymous).toHaveURL(`/article/${slug}`);
});

test("favoriting and following change the buttons and the counts", async ({ page, browser, request }) => {
  const author = newAccount("writer");
  await signUp(await browser.newPage(), author);
  const slug = await apiArticle(request, author, uniqueName("Lovely "), ["love"]);

  await signUp(page);
  await page.goto(`/article/${slug}`);
  await page.locator(".article-actions button", { hasText: "Favorite Article" }).click();
  await expect(page.locator(".article-actions button", { hasText: "Unfavorite Article (1)" })).toBeVisible();
  await page.locator(".article-actions button", { hasText: "Unfavorite Article" }).click();
  await expect(page.locator(".article-actions button", { hasText: "Favorite Article (0)" })).toBeVisible();

  await page.locator(".article-actions button", { hasText: `Follow ${author.username}` }).click();
  await expect(page.locator(".article-actions button", { hasText: `Unfollow ${author.username}` })).toBeVisible();

  // Your Feed now holds the followed author's article.
  await page.goto("/?feed=following");
  await expect(page.locator(".feed-toggle a.nav-link.active")).toHaveText("Your Feed");
  await expect(page.locator(".article-preview a.author", { hasText: author.username })).toBeVisible();

  await page.goto(`/profile/${author.username}`);
  await page.locator(".user-info button", { hasText: `Unfollow ${author.username}` }).click();
  await expect(page.locator(".user-info button", { hasText: `Follow ${author.username}` })).toBeVisible();
});

test("favoriting an article far down a list keeps the reader's place", async ({ page, browser, request }) => {
  const author = newAccount("long");
  await signUp(await browser.newPage(), author);
  const tag = uniqueName("place");
  for (let i = 0; i < 8; i++) {
    await apiArticle(request, author, `${tag} article ${i}`, [tag]);
  }
  await signUp(page);
  await page.setViewportSize({ width: 800, height: 500 });
  await page.goto(`/tag/${tag}`);
  await waitForHydration(page);
  await expect(page.locator(".article-preview")).toHaveCount(8);
  // The oldest is listed last, well below the fold.
  const last = page.locator(".article-preview").last();
  await last.scrollIntoViewIfNeeded();
  await last.locator("button", { hasText: "0" }).click();
  const favorited = last.locator("button.btn-primary", { hasText: "1" });
  await expect(favorited).toBeVisible();
  await expect(favorited).toBeInViewport();
});

test("an empty Your Feed says so and links to the Global Feed", async ({ page }) => {
  await signUp(page);
  await page.goto("/?feed=following");
  await expect(page.locator(".empty-feed-message")).toContainText("Your feed is empty");
  await expect(page.locator(".empty-feed-message a[href='/']")).toBeVisible();
});

test("Your Feed sends signed-out visitors to sign in", async ({ page }) => {
  await page.goto("/?feed=following");
  await expect(page).toHaveURL("/login");
});

test("a tag feed lists only that tag and the new tag shows in Popular Tags", async ({ page, browser, request }) => {
  const author = newAccount("tagger");
  await signUp(await browser.newPage(), author);
  const tag = uniqueName("tag");
  const slug = await apiArticle(request, author, uniqueName("Tagged "), [tag]);
  await page.goto("/");
  await page.locator(".sidebar a.tag-pill", { hasText: tag }).click();
  await expect(page).toHaveURL(`/tag/${tag}`);
  await expect(page.locator(".feed-toggle a.nav-link.active")).toContainText(tag);
  await expect(page.locator(".article-preview")).toHaveCount(1);
  await expect(page.locator(`.article-preview a.preview-link[href="/article/${slug}"]`)).toBeVisible();
});

test("lists page by ten and keep the feed when paging", async ({ page, browser, request }) => {
  const author = newAccount("prolific");
  await signUp(await browser.newPage(), author);
  const tag = uniqueName("page");
  for (let i = 0; i < 12; i++) {
    await apiArticle(request, author, `${tag} article ${i}`, [tag]);
  }
  await page.goto(`/tag/${tag}`);
  await expect(page.locator(".article-preview")).toHaveCount(10);
  await expect(page.locator(".pagination .page-item.active .page-link")).toHaveText("1");
  await page.locator(".pagination .page-link", { hasText: "2" }).click();
  await expect(page).toHaveURL(`/tag/${tag}?page=2`);
  await expect(page.locator(".article-preview")).toHaveCount(2);
  await expect(page.locator(".pagination .page-item.active .page-link")).toHaveText("2");
});

test("settings update the profile and logout ends the session", async ({ page }) => {
  const account = await signUp(page);
  await page.goto("/settings");
  await expect(page.locator("h1")).toHaveText("Your Settings");
  await expect(page.locator("textarea[name=bio]")).toHaveValue("");
  await expect(page.locator("input[name=image]")).toHaveValue("");
  await page.fill("textarea[name=bio]", "I like dragons");
  await page.click("button:has-text('Update Settings')");
  await expect(page).toHaveURL(`/profile/${account.username}`);
  await expect(page.locator(".user-info p")).toHaveText("I like dragons");
  await expect(page.locator(".user-info a", { hasText: "Edit Profile Settings" })).toBeVisible();

  await page.goto("/settings");
  await page.click("button.btn-outline-danger");
  await expect(page).toHaveURL("/");
  await expect(page.locator("nav.navbar a.nav-link", { hasText: "Sign in" })).toBeVisible();
  await page.goto("/settings");
  await expect(page).toHaveURL("/login");
});

test("signed-out visitors are sent away from the editor", async ({ page }) => {
  await page.goto("/editor");
  await expect(page).not.toHaveURL(/\/editor/);
});

test("unknown articles and profiles say so", async ({ page, build }) => {
  const article = await page.goto("/article/no-such-article");
  if (build === "ssr") expect(article?.status()).toBe(404);
  await expect(page.locator(".article-page h1")).toHaveText("Page not found");
  const profile = await page.goto("/profile/no-such-user-here");
  if (build === "ssr") expect(profile?.status()).toBe(404);
  await expect(page.locator(".profile-page h1")).toHaveText("Page not found");
  await expect(page.locator(".user-info")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test.skip(({ build }) => build === "spa", "the SPA is JavaScript");

  test("signing up, in and publishing work as plain form posts", async ({ page }) => {
    // The same form steps and checks as with JavaScript, here as a plain post.
    await signUp(page, newAccount("nojs"));

    await page.goto("/editor");
    const title = uniqueName("No script ");
    await page.fill("input[name=title]", title);
    await page.fill("input[name=description]", "works anyway");
    await page.fill("textarea[name=body]", "plain *html*");
    await page.fill('input[placeholder="Enter tags"]', "nojs, forms");
    await page.click("button:has-text('Publish Article')");
    await expect(page.locator(".article-page .banner h1")).toHaveText(title);
    await expect(page.locator(".article-content .tag-list li")).toHaveText(["forms", "nojs"]);

    // An edit keeps the tags the form was rendered with.
    await page.locator("a", { hasText: "Edit Article" }).first().click();
    await page.fill("input[name=title]", `${title} edited`);
    await page.click("button:has-text('Publish Article')");
    await expect(page.locator(".article-page .banner h1")).toHaveText(`${title} edited`);
    await expect(page.locator(".article-content .tag-list li")).toHaveText(["forms", "nojs"]);
  });

  test("a failed sign-in shows the error and keeps the page and the email", async ({ page }) => {
    await page.goto("/login");
    await page.fill("input[name=email]", "nobody@example.com");
    await page.fill("input[name=password]", "wrong-password");
    await page.click("button[type=submit]");
    await expect(page.locator("ul.error-messages li")).toContainText("credentials invalid");
    await expect(page).toHaveURL("/login");
    await expect(page.locator("input[name=email]")).toHaveValue("nobody@example.com");
  });

  test("a favorite is a plain form post that comes back to the page", async ({ page, browser, request }) => {
    const author = newAccount("nojsfav");
    await signUp(await browser.newPage(), author);
    const slug = await apiArticle(request, author, uniqueName("No script favorite "));
    await signUp(page, newAccount("nojsreader"));
    await page.goto(`/article/${slug}`);
    await page.locator(".article-actions button", { hasText: "Favorite Article" }).click();
    await expect(page).toHaveURL(`/article/${slug}`);
    await expect(page.locator(".article-actions button", { hasText: "Unfavorite Article (1)" })).toBeVisible();
  });

  test("signing in works", async ({ page, browser }) => {
    const account = await signUp(await browser.newPage());
    await signIn(page, account);
  });
});

test("markup in titles, bios, bodies and comments stays inert", async ({ page }) => {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const account = await signUp(page);
  await page.goto("/settings");
  await page.fill("textarea[name=bio]", "<img src=x onerror=alert('bio')>");
  await page.click("button:has-text('Update Settings')");
  await expect(page.locator(".user-info p")).toHaveText("<img src=x onerror=alert('bio')>");

  const title = `<script>alert('title')</script>${uniqueName("x")}`;
  await publish(page, {
    title,
    description: "xss",
    body: "<script>alert('body')</script><img src=x onerror=\"alert('img')\"><a href=\"javascript:alert('link')\">click</a>",
    tags: [],
  });
  await expect(page.locator(".article-page .banner h1")).toHaveText(title);
  await expect(page.locator(".article-content script")).toHaveCount(0);
  await expect(page.locator(".article-content [onerror]")).toHaveCount(0);
  await expect(page.locator(".article-content a[href^='javascript']")).toHaveCount(0);

  await page.fill('textarea[placeholder="Write a comment..."]', "<script>alert('comment')</script>");
  await page.click("button:has-text('Post Comment')");
  await expect(page.locator(".card .card-text", { hasText: "<script>alert('comment')</script>" })).toBeVisible();
  await page.goto(`/profile/${account.username}`);
  await page.reload();
  expect(dialogs).toEqual([]);
});
