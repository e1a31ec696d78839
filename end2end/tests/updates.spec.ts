import { expect, test } from "@playwright/test";
import {
  acceptInvitation,
  createOrganization,
  expectAccessible,
  inviteFromDialog,
  newClientContext,
  openMail,
  openNewPortal,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

// Updates: a client joins a project; staff post a Markdown update and email it; the email is in
// the Mailbox; the client reads the update on their portal home and on the project's page, the
// raw HTML in it shown as text.

test("staff post an update and email it; the client reads it in the portal; a client profile hides Tasks", async ({ page, browser }, testInfo) => {
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
      await acceptInvitation(page, tab, org, `Year end ${tag}`);
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
      await expect(page.locator("pre.mail-text")).toContainText(`posted an update in Year end ${tag}`);
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

    await test.step("a client profile without View tasks, chosen for the client, hides the project's Tasks", async () => {
      await page.goto("/settings");
      await settle(page);
      await page.getByRole("link", { name: "Manage client profiles" }).click();
      await page.waitForURL((url) => url.pathname === "/settings/client-profiles");
      await settle(page);
      const add = page.getByRole("region", { name: "Add profile" });
      await add.getByRole("button", { name: "Add profile" }).click();
      await expect(add.getByText("Enter a profile name.")).toBeVisible();
      // Only the form that was sent shows the refusal.
      await expect(page.getByRole("region", { name: "Default" }).getByText("Enter a profile name.")).toBeHidden();
      await add.getByLabel("Profile name").fill("Updates only");
      await add.getByLabel("View updates").check();
      await add.getByRole("button", { name: "Add profile" }).click();
      const card = page.getByRole("region", { name: "Updates only" });
      await expect(card.getByLabel("View updates")).toBeChecked();
      await expect(card.getByLabel("View tasks")).not.toBeChecked();
      await expect(add.getByLabel("Profile name")).toHaveValue("");
      await expect(add.getByLabel("View updates")).not.toBeChecked();
      await expectAccessible(page, testInfo, "client-profiles");
      await saveScreen(page, testInfo, "client-profiles");

      await page.goto("/clients");
      await settle(page);
      await page.getByRole("link", { name: client.name }).first().click();
      await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
      await settle(page);
      const permissions = page.getByRole("region", { name: "Portal permissions" });
      await expect(permissions.getByText("Client profile: Default")).toBeVisible();
      await permissions.getByLabel("Client profile").selectOption({ label: "Updates only" });
      await permissions.getByRole("button", { name: "Save profile" }).click();
      await expect(permissions.getByText("Client profile: Updates only")).toBeVisible();
      await expect(permissions.getByText("In the portal they may: View updates.")).toBeVisible();
      await saveScreen(page, testInfo, "client-permissions");

      await tab.reload();
      await settle(tab);
      await expect(tab.getByRole("region", { name: "Updates" })).toBeVisible();
      await expect(tab.getByRole("region", { name: "Tasks" })).toHaveCount(0);
    });
  } finally {
    await ctx.close();
  }
});
