import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, inviteMany, openNewPortal, saveScreen, settle, uniqueTag } from "./helpers";

// Portal access pages on the server: 250 contacts, 50 a page, search and status filter in the
// address (so every step also works before the wasm arrives).

test("Portal access pages, searches and filters 250 clients", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Paging ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Many ${tag}`);
  const portal = project.portal;

  await test.step("250 clients invited through the invite server function", async () => {
    await inviteMany(page, project, 250, (i) => {
      const n = String(i).padStart(3, "0");
      return { name: `Person ${n} ${tag}`, email: `person-${n}-${tag}@example.com` };
    });
  });

  await test.step("the first page, then the next ones, to the last", async () => {
    await page.goto(portal);
    await settle(page);
    await expect(page.getByText("Showing 50 of 250 clients")).toBeVisible();
    const rows = page.locator("ul.access-list > li");
    await expect(rows).toHaveCount(50);
    await expect(rows.first()).toContainText(`person-000-${tag}@example.com`.toLowerCase());
    await expect(page.getByRole("link", { name: "Previous page" })).toHaveCount(0);
    for (let p = 1; p < 5; p++) {
      await page.getByRole("link", { name: "Next page" }).click();
      await expect(rows.first()).toContainText(`person-${String(p * 50).padStart(3, "0")}-${tag}@example.com`.toLowerCase());
      await expect(rows).toHaveCount(50);
    }
    await expect(page.getByRole("link", { name: "Next page" })).toHaveCount(0);
    await expect(rows.last()).toContainText(`person-249-${tag}@example.com`.toLowerCase());
    await page.getByRole("link", { name: "Previous page" }).click();
    await expect(rows.first()).toContainText(`person-150-${tag}@example.com`.toLowerCase());
    await saveScreen(page, testInfo, "portal-access-paged");
  });

  await test.step("a search, and a status filter", async () => {
    await page.goto(portal);
    await settle(page);
    await page.getByLabel("Search clients").fill(`Person 12`);
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === "Person 12");
    const rows = page.locator("ul.access-list > li");
    // Person 120 to Person 129.
    await expect(page.getByText("Showing 10 of 10 clients")).toBeVisible();
    await expect(rows).toHaveCount(10);
    await page.getByLabel("Search clients").fill("nobody-like-this");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByText("No clients match.")).toBeVisible();
    await page.getByRole("link", { name: "Show everyone" }).click();
    await expect(page.getByLabel("Status")).toBeVisible();
    await page.getByLabel("Status").selectOption({ label: "Invited (250)" });
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => url.searchParams.get("status") === "invited");
    await expect(page.getByText("Showing 50 of 250 clients")).toBeVisible();
    await page.getByLabel("Status").selectOption({ label: "All statuses (250)" });
    await expectAccessible(page, testInfo, "portal-access-paged");
  });

  await test.step("Select all N matching sends to the whole search, not only the page", async () => {
    await page.goto(`${portal}?q=${encodeURIComponent("Person 1")}`);
    await settle(page);
    // Person 100 to Person 199: two pages of 50.
    await expect(page.getByText("Showing 50 of 100 clients")).toBeVisible();
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await expect(page.getByText("50 selected")).toBeVisible();
    await page.getByRole("button", { name: "Select all 100 matching" }).click();
    await expect(page.getByText("All 100 matching selected")).toBeVisible();
    await page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Send login email" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Send login email" });
    await expect(confirm.getByText("Send 100 login emails.")).toBeVisible();
    await confirm.getByRole("button", { name: "Send login email" }).click();
    await expect(confirm.getByText("Finished: 100 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await confirm.getByRole("button", { name: "Close" }).click();
    await expect(page.getByRole("checkbox", { name: "Select all" })).not.toBeChecked();
    // Another search is another selection: "all matching" meant the old one.
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByRole("button", { name: "Select all 100 matching" }).click();
    await expect(page.getByText("All 100 matching selected")).toBeVisible();
    await page.getByLabel("Search clients").fill("Person 2");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === "Person 2");
    await expect(page.getByText("Showing 50 of 50 clients")).toBeVisible();
    await expect(page.getByText("All 100 matching selected")).toHaveCount(0);
    await expect(page.getByRole("checkbox", { name: "Select all" })).not.toBeChecked();
  });

  await test.step("a forged page link gets a clear message", async () => {
    await page.goto(`${portal}?cursor=a1.0000`);
    await expect(page.getByText("This page link is no longer valid. Start again from the first page.")).toBeVisible();
  });
});
