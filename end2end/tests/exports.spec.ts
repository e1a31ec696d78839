import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, inviteMany, openNewPortal, saveScreen, settle, uniqueTag } from "./helpers";

// Export CSV: the Clients page's dialog starts the export as a job; its page offers the file
// when it is ready, downloaded as an attachment.

test("Export CSV prepares the file in the background and downloads it", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Export ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Roof ${tag}`);
  await inviteMany(page, project, 3, (i) => ({ name: i === 0 ? `=cmd ${tag}` : `Person ${i} ${tag}`, email: `p-${i}-${tag}@example.com` }));

  await test.step("Export CSV → All clients (one CSV) → Export", async () => {
    await page.goto("/clients");
    await settle(page);
    await page.getByRole("link", { name: "Export CSV" }).click();
    const dialog = page.getByRole("dialog", { name: "Export clients" });
    await expect(dialog.getByRole("radio", { name: "All clients (one CSV)" })).toBeChecked();
    await expectAccessible(page, testInfo, "export-dialog");
    await saveScreen(page, testInfo, "export-dialog");
    await dialog.getByRole("button", { name: "Export" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Export: All clients (one CSV)", level: 1 })).toBeVisible();
    await expect(page.getByText("Finished: 3 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
  });

  await test.step("Download: a CSV with a line per client, formulas neutralised", async () => {
    // The page follows the job: once done, it offers the file.
    const link = page.getByRole("link", { name: "Download" });
    await expect(link).toBeVisible({ timeout: 10_000 });
    await expect(page.getByText(/^Available until /)).toBeVisible();
    await expectAccessible(page, testInfo, "export-ready");
    await saveScreen(page, testInfo, "export-ready");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^clients-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync(await download.path(), "utf8");
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("Name,Email,Phone,Customer,Projects,Status,Invited at (UTC),Activated at (UTC),Last sign-in (UTC),Assigned staff");
    expect(lines).toHaveLength(4);
    expect(text).toContain(`'=cmd ${tag}`);
  });

  await test.step("By project: a ZIP with one CSV per project, named by the project", async () => {
    await page.goto("/clients?export");
    await settle(page);
    const dialog = page.getByRole("dialog", { name: "Export clients" });
    await dialog.getByRole("radio", { name: "By project (a ZIP of one CSV per project)" }).check();
    await dialog.getByRole("button", { name: "Export" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Export: By project (a ZIP of one CSV per project)", level: 1 })).toBeVisible();
    const link = page.getByRole("link", { name: "Download" });
    await expect(link).toBeVisible({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^clients-by-project-\d{4}-\d{2}-\d{2}\.zip$/);
    const zip = readFileSync(await download.path());
    expect(zip.subarray(0, 4).toString("binary")).toBe("PK\x03\x04");
    // Entry names are stored as they are: the project's CSV is in it.
    expect(zip.toString("binary")).toContain(`Roof ${tag} (${project.projectId}).csv`);
  });
});
