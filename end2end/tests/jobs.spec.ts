import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, inviteMany, navTo, openNewPortal, saveScreen, settle, uniqueTag } from "./helpers";

// A bulk action over everyone a Clients page filter matches runs as a job: its page shows a
// progress bar that follows it and the result; the Jobs page lists it.

test("Send login email to all matching clients runs as a job with its progress and result", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Jobs ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Bulk ${tag}`);

  await test.step("60 clients invited through the invite server function", async () => {
    await inviteMany(page, project, 60, (i) => {
      const n = String(i).padStart(2, "0");
      return { name: `Member ${n} ${tag}`, email: `member-${n}-${tag}@example.com` };
    });
  });

  await test.step("Select all 60 matching, Send login email: the job's page follows it to the end", async () => {
    // (The invite dialog is still open from the seeding: straight to the page.)
    await page.goto("/clients");
    await settle(page);
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByRole("button", { name: "Select all 60 matching" }).click();
    await expect(page.getByText("All 60 matching selected")).toBeVisible();
    await page.getByRole("button", { name: "Send login email" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Send login email: 60 clients", level: 1 })).toBeVisible();
    await expect(page.getByRole("progressbar")).toBeVisible();
    await expect(page.getByText("Finished: 60 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("progressbar")).toHaveAttribute("value", "60");
    await expect(page.locator(".badge").getByText("Done", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
    await expectAccessible(page, testInfo, "job-finished");
    await saveScreen(page, testInfo, "job-finished");
  });

  await test.step("the Jobs page lists it", async () => {
    await navTo(page, "Jobs");
    await page.waitForURL((url) => url.pathname === "/jobs");
    await settle(page);
    const row = page.getByRole("listitem").filter({ hasText: "Send login email: 60 clients" });
    await expect(row.getByText("Done", { exact: true })).toBeVisible();
    await expect(row.getByText("60 of 60 clients handled")).toBeVisible();
    await expectAccessible(page, testInfo, "jobs");
    await saveScreen(page, testInfo, "jobs");
  });
});
