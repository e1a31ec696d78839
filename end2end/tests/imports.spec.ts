import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, saveScreen, settle, uniqueTag } from "./helpers";

// Import CSV, as a firm would: download the template, upload a file, read the dry run, fix the
// file, import it, and find the invitations in the Mailbox.

test("Import CSV: dry run, fix the file, import, invitations in the Mailbox", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Import ${tag}`, `owner-${tag}@example.com`);
  const project = `Roof ${tag}`;
  const file = (rows: string[]) => ({
    name: "clients.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(["Project,Name,Email,Phone", ...rows].join("\r\n") + "\r\n"),
  });

  await test.step("Import CSV beside New project; the template downloads", async () => {
    await page.goto("/projects");
    await settle(page);
    await page.getByRole("link", { name: "Import CSV" }).first().click();
    await expect(page.getByRole("heading", { name: "Import CSV", level: 1 })).toBeVisible();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the template" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("portico-import-template.csv");
    expect(readFileSync(await download.path(), "utf8")).toContain("Project,Name,Email,Phone,Customer");
  });

  await test.step("a file that is not UTF-8 is refused at the field", async () => {
    await page.getByLabel("CSV file").setInputFiles({
      name: "latin1.csv",
      mimeType: "text/csv",
      buffer: Buffer.concat([Buffer.from("Project,Name,Email\r\nRoof,Ren"), Buffer.from([0xe9]), Buffer.from(",r@example.com\r\n")]),
    });
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "This file is not UTF-8 text (line 2 of the file)." })).toBeVisible();
    await expect(page.getByLabel("CSV file")).toHaveAttribute("aria-invalid", "true");
  });

  await test.step("upload: the dry run shows the invalid row and offers the valid rows only", async () => {
    await page.getByLabel("CSV file").setInputFiles(
      file([`${project},Ann ${tag},ann-${tag}@example.com,`, `${project},Bob ${tag},not-an-email,`, `${project},Cy ${tag},cy-${tag}@example.com,`]),
    );
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await page.waitForURL((url) => /^\/imports\/\d+$/.test(url.pathname));
    await settle(page);
    await expect(page.getByRole("heading", { name: "Import clients.csv", level: 1 })).toBeVisible();
    const rows = page.getByRole("region", { name: "Rows not imported as they are" });
    await expect(rows.getByRole("row").filter({ hasText: "Enter an email address like name@example.com." })).toContainText("Email");
    await expect(page.getByRole("button", { name: "Import the valid rows only" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Import", exact: true })).toHaveCount(0);
    await expectAccessible(page, testInfo, "import-dry-run-invalid");
    await saveScreen(page, testInfo, "import-dry-run-invalid");
  });

  await test.step("fix the file and upload it again: Import", async () => {
    await page.getByRole("link", { name: "Upload another file" }).click();
    await page.waitForURL("**/imports/new");
    await page.getByLabel("CSV file").setInputFiles(
      file([`${project},Ann ${tag},ann-${tag}@example.com,`, `${project},Bob ${tag},bob-${tag}@example.com,`, `${project},Cy ${tag},cy-${tag}@example.com,`]),
    );
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await page.waitForURL((url) => /^\/imports\/\d+$/.test(url.pathname));
    await settle(page);
    const send = page.getByRole("checkbox", { name: `Send invitations now to ${project}: 3 clients` });
    await expect(send).toBeChecked();
    await expect(page.getByRole("region", { name: "Projects" }).getByText("New project")).toBeVisible();
    await expectAccessible(page, testInfo, "import-dry-run");
    await saveScreen(page, testInfo, "import-dry-run");
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Import: clients.csv: 3 rows", level: 1 })).toBeVisible();
    await expect(page.getByText("Finished: 3 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await saveScreen(page, testInfo, "import-done");
  });

  await test.step("the invitations are in the Mailbox", async () => {
    await page.goto("/mailbox");
    await settle(page);
    await expect(async () => {
      await page.reload();
      await settle(page);
      await expect(page.getByRole("row").filter({ hasText: `-${tag}@example.com` }).filter({ hasText: `invited you to ${project}` })).toHaveCount(3, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });
});
