import { expect, test, type Page } from "@playwright/test";
import {
  createOrganization,
  expectAccessible,
  navTo,
  newClientContext,
  inviteFromDialog,
  openMail,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

/** "24 November 2026", as the invitation email writes dates (UTC). */
function longDate(daysFromNow: number): string {
  const d = new Date(Date.now() + daysFromNow * 24 * 3600 * 1000);
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}


test("settings, bulk login email, magic link and the notification bell", async ({ page, browser }, testInfo) => {
  test.setTimeout(300_000);
  const tag = uniqueTag(testInfo);
  const org = `Lifecycle ${tag}`;
  const clients = [1, 2, 3].map((i) => ({ name: `Client ${i} ${tag}`, email: `c${i}-${tag}@example.com` }));
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await createOrganization(page, org, `owner-${tag}@example.com`);

  await test.step("a settings change is reflected in a new invitation's expiry", async () => {
    await navTo(page, "Settings");
    await page.waitForURL((url) => url.pathname === "/settings");
    await settle(page);
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
    const expiry = page.getByLabel("Invitation expiry (days)");
    await expect(expiry).toHaveValue("7");
    await expect(page.getByLabel("Magic link lifetime (minutes)")).toHaveValue("15");
    await expect(page.getByLabel("One-time code every time")).toBeChecked();
    await expectAccessible(page, testInfo, "settings");
    await expiry.fill("40");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Enter a whole number of days from 1 to 30.")).toBeVisible();
    await expiry.fill("3");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved")).toBeVisible();
    await saveScreen(page, testInfo, "settings");
  });

  let portalUrl = "";
  await test.step("invite three clients", async () => {
    await page.goto("/projects/new");
    await settle(page);
    await page.getByLabel("Project name", { exact: true }).fill(`Extension ${tag}`);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
    await settle(page);
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/portal"));
    portalUrl = new URL(page.url()).pathname;
    await settle(page);
    for (const c of clients) await inviteFromDialog(page, c.name, c.email);
    await openMail(page, `Olivia Owner invited you to Extension ${tag}`);
    await expect(page.getByText(`This invitation expires on ${longDate(3)}`).first()).toBeVisible();
  });

  await test.step("bulk login email to all three", async () => {
    await page.goto(portalUrl);
    await settle(page);
    await page.getByLabel("Select all").check();
    await expect(page.getByText("3 selected")).toBeVisible();
    await expectAccessible(page, testInfo, "portal-access-selected");
    await saveScreen(page, testInfo, "portal-access-selected");
    await page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Send login email" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Send login email" });
    await expect(confirm.getByText("Send 3 login emails.")).toBeVisible();
    await confirm.getByRole("button", { name: "Send login email" }).click();
    await expect(confirm.getByText("Finished: 3 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await confirm.getByRole("button", { name: "Close" }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByText("3 selected")).toHaveCount(0);
    await page.goto("/mailbox");
    await settle(page);
    for (const c of clients) {
      const row = page.getByRole("row").filter({ hasText: c.email }).filter({ hasText: `Sign in to your ${org} portal` });
      await expect(async () => {
        if ((await row.count()) === 0) {
          await page.reload();
          await settle(page);
        }
        await expect(row.first()).toBeVisible({ timeout: 1_000 });
      }).toPass({ timeout: 30_000 });
    }
  });

  await test.step("generate a magic link, copy it, and use it", async () => {
    await page.goto(portalUrl);
    await settle(page);
    const first = clients[0];
    await page.getByLabel(`More actions for ${first.name}`, { exact: true }).click();
    await page.getByRole("button", { name: "Generate magic link" }).click();
    const dialog = page.getByRole("dialog", { name: `Magic link for ${first.name}` });
    await expect(dialog).toBeVisible();
    // The row menu closed when its item was chosen: nothing of it behind the dialog.
    await expect(page.locator("details.menu[open]")).toHaveCount(0);
    await expectAccessible(page, testInfo, "magic-link");
    await saveScreen(page, testInfo, "magic-link");
    await dialog.getByRole("button", { name: "Copy link" }).click();
    await expect(page.getByText("Copied to the clipboard")).toBeVisible();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await dialog.getByLabel("Magic link").inputValue());
    expect(copied).toContain("/sign-in-link/");
    await dialog.getByRole("button", { name: "Close" }).click();

    const ctx = await newClientContext(browser, testInfo);
    try {
      const client = await ctx.newPage();
      await client.goto(new URL(copied).pathname);
      await settle(client);
      await expect(client.getByRole("heading", { name: `Sign in to ${org}` })).toBeVisible();
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal");
      await expect(client.getByRole("heading", { name: `Welcome, ${first.name}` })).toBeVisible();
      // Single use: the same link now shows the unusable page.
      await client.goto(new URL(copied).pathname);
      await expect(client.getByRole("heading", { name: "This link can no longer be used" })).toBeVisible();
      await expect(client.getByRole("button", { name: "Request a new link" })).toBeVisible();
      await expectAccessible(client, testInfo, "link-unusable");
    } finally {
      await ctx.close();
    }
  });

  await test.step("the bell rings when a client accepts", async () => {
    const second = clients[1];
    const ctx = await newClientContext(browser, testInfo);
    try {
      // The newest invitation is the third client's; find the one for the second by address.
      await page.goto("/mailbox");
      await settle(page);
      await page.getByRole("row").filter({ hasText: second.email }).filter({ hasText: "invited you" }).getByRole("link").first().click();
      await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
      await settle(page);
      const href = (await page.getByRole("list", { name: "Links in this message" }).locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
      const client = await ctx.newPage();
      await client.goto(new URL(href).pathname);
      await settle(client);
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await settle(client);
      const code = await readCodeFromMailbox(page, org);
      await client.getByLabel("6-digit code").fill(code);
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => url.pathname === "/portal");
    } finally {
      await ctx.close();
    }
    await page.goto("/");
    await settle(page);
    const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
    await expect(async () => {
      if ((await bell.count()) === 0) {
        await page.reload();
        await settle(page);
      }
      await expect(bell).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await bell.click();
    await expect(page.getByRole("link", { name: `${second.name} accepted your invitation` })).toBeVisible();
    await expectAccessible(page, testInfo, "bell");
    await saveScreen(page, testInfo, "bell");
    await page.getByRole("button", { name: "Mark all read" }).click();
    await expect(page.getByRole("button", { name: "Notifications", exact: true })).toBeVisible();
  });
});
