import { expect, test } from "@playwright/test";
import {
  createOrganization,
  expectAccessible,
  inviteFromDialog,
  newClientContext,
  openMail,
  openNewPortal,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

// Updates: a client joins a project; staff post a Markdown update and email it; the email is in
// the Mailbox; the client reads the update on their portal home and on the project's page, the
// raw HTML in it shown as text.

test("staff post an update and email it; the client reads it in the portal", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `News ${tag}`;
  const client = { name: `Uma ${tag}`, email: `uma-${tag}@example.com` };
  await createOrganization(page, org, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Year end ${tag}`);
  await settle(page);
  await inviteFromDialog(page, client.name, client.email);

  const ctx = await newClientContext(browser, testInfo);
  try {
    const tab = await ctx.newPage();
    await test.step("the client accepts the invitation", async () => {
      await openMail(page, new RegExp(`invited you to Year end ${tag}`));
      const href = (await page.getByRole("list", { name: "Links in this message" }).locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
      await tab.goto(new URL(href).pathname);
      await settle(tab);
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.waitForURL((url) => url.pathname === "/portal/verify");
      await settle(tab);
      const code = await readCodeFromMailbox(page, org);
      await tab.getByLabel("6-digit code").fill(code);
      await tab.getByRole("button", { name: "Verify" }).click();
      await tab.waitForURL((url) => url.pathname === "/portal");
      await settle(tab);
      await expect(tab.getByRole("region", { name: "Latest updates" })).toHaveCount(0);
    });

    await test.step("Post update: an empty one is refused next to the field; then posted and emailed", async () => {
      await page.goto(`/projects/${project.projectId}`);
      await settle(page);
      const updates = page.getByRole("region", { name: "Updates" });
      await expect(updates.getByText("No updates yet.")).toBeVisible();
      await updates.getByText("New update").click();
      await updates.getByRole("button", { name: "Post update" }).click();
      await expect(updates.getByText("Write the update.")).toBeVisible();
      await updates.getByLabel("Update", { exact: true }).fill("**Filed** the return.\n\n- Bank letters received\n- <b>raw</b> stays text");
      await updates.getByLabel("Email the project's clients").check();
      await expectAccessible(page, testInfo, "update-composer");
      await saveScreen(page, testInfo, "update-composer");
      await updates.getByRole("button", { name: "Post update" }).click();
      await expect(page.getByText("Update posted. Emailing it to 1 client.")).toBeVisible();
      const item = updates.getByRole("listitem").filter({ hasText: "Bank letters received" });
      await expect(item.locator("strong", { hasText: "Filed" })).toBeVisible();
      await expect(item.getByText("<b>raw</b> stays text")).toBeVisible();
      await expect(item.getByRole("link", { name: "Emailed to clients" })).toBeVisible();
      await expect(updates.getByText("Write the update.")).toBeHidden();
      await saveScreen(page, testInfo, "project-updates");
      await openMail(page, `New update in Year end ${tag}`);
      await expect(page.getByText(client.email).first()).toBeVisible();
    });

    await test.step("the client reads it on their home and on the project's page", async () => {
      await tab.reload();
      await settle(tab);
      const latest = tab.getByRole("region", { name: "Latest updates" });
      await expect(latest.getByText("Bank letters received")).toBeVisible();
      await expect(latest.getByRole("link", { name: `Year end ${tag}` })).toBeVisible();
      await tab.getByRole("link", { name: `Year end ${tag}` }).first().click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${project.projectId}`);
      await settle(tab);
      const updates = tab.getByRole("region", { name: "Updates" });
      await expect(updates.locator("strong", { hasText: "Filed" })).toBeVisible();
      await expect(updates.getByText("<b>raw</b> stays text")).toBeVisible();
      await expect(updates.getByRole("link", { name: "Emailed to clients" })).toHaveCount(0);
      await expect(tab.getByRole("navigation", { name: "Sections of this project" }).getByRole("link", { name: "Updates (1)" })).toBeVisible();
      await expectAccessible(tab, testInfo, "portal-updates");
      await saveScreen(tab, testInfo, "portal-updates");
    });
  } finally {
    await ctx.close();
  }
});
