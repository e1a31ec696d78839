import { expect, test, type Page } from "@playwright/test";
import { createOrganization, settle, uniqueTag } from "./helpers";

// Pages come with the bundle of their area (README "Bundles by area"): moving to a page of
// another area loads it from the server, and the page being left stays on screen until the next
// one arrives; it is never replaced by an empty page first.

const hydrated = (page: Page) =>
  page.waitForFunction(() => document.documentElement.dataset.hydrated === "true", null, { timeout: 60_000 });

/** From now until this document unloads, reports each moment the page has no main heading. */
async function watchForBlank(page: Page): Promise<void> {
  await page.evaluate(() => {
    const report = (window as unknown as { reportBlank: (path: string) => void }).reportBlank;
    new MutationObserver(() => {
      if (!document.querySelector("h1")) report(location.pathname);
    }).observe(document.body, { childList: true, subtree: true });
  });
}

test("moving between areas never shows an empty page, and Skip to content moves the focus", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const blanks: string[] = [];
  await page.exposeBinding("reportBlank", (_source, path: string) => {
    blanks.push(path);
  });
  const wasm: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) wasm.push(path);
  });
  const tag = uniqueTag(testInfo);
  const email = `owner-${tag}@example.com`;
  await createOrganization(page, `Areas ${tag}`, email);
  await hydrated(page);

  await test.step("a link from the dashboard to another area's page", async () => {
    await watchForBlank(page);
    await page.getByRole("link", { name: "Projects", exact: true }).first().click();
    await page.waitForURL((url) => url.pathname === "/projects");
    await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
    await settle(page);
    await hydrated(page);
    expect(blanks).toEqual([]);
    expect(wasm[0]).toMatch(/^\/pkg\/portico-front-desk\.[0-9a-f]+\.wasm$/);
    expect(wasm[wasm.length - 1]).toMatch(/^\/pkg\/portico\.[^/]+\.wasm$/);
  });

  await test.step("Skip to content moves the focus into the page's content", async () => {
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    const inMain = await page.evaluate(() => document.activeElement?.closest("main") !== null);
    expect(inMain, "the Tab after Skip to content lands in the content").toBe(true);
  });

  await test.step("signing in sends a signed-out person on to the page they asked for", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await page.goto("/clients");
    await page.waitForURL((url) => url.pathname === "/sign-in" && url.searchParams.get("next") === "/clients");
    await settle(page);
    await hydrated(page);
    const before = wasm.length;
    await watchForBlank(page);
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/clients");
    await expect(page.getByRole("heading", { name: "Clients", level: 1 })).toBeVisible();
    await settle(page);
    await hydrated(page);
    expect(blanks).toEqual([]);
    // The Clients page came with the staff bundle (from the cache or the network).
    expect(wasm.slice(before).every((path) => /^\/pkg\/portico\.[^/]+\.wasm$/.test(path))).toBe(true);
  });
});
