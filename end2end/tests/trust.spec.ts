import { expect, test } from "@playwright/test";
import {
  createOrganization,
  expectAccessible,
  inviteFromDialog,
  navTo,
  newClientContext,
  openMail,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

/** The first link in the open Mailbox message whose address contains `marker`. */
async function linkInMessage(page: import("@playwright/test").Page, marker: string): Promise<string> {
  const href =
    (await page
      .getByRole("list", { name: "Links in this message" })
      .locator(`a[href*="${marker}"]`)
      .first()
      .getAttribute("href")) ?? "";
  expect(href).toContain(marker);
  return new URL(href).pathname;
}

test("team, join, client and notification pages; staff forgot password; a client chooses a password", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  const tag = uniqueTag(testInfo);
  const org = `Trust ${tag}`;
  const owner = `owner-${tag}@example.com`;
  await createOrganization(page, org, owner);

  await test.step("team page and a staff invitation's join page", async () => {
    await navTo(page, "Team");
    await page.waitForURL((url) => url.pathname === "/team");
    await settle(page);
    await expectAccessible(page, testInfo, "team");
    // Two mistakes at once: both are flagged, and the focus goes to the first.
    await page.getByLabel("Email", { exact: true }).fill("not an address");
    await page.getByRole("button", { name: "Send invite" }).click();
    const name = page.getByLabel("Name", { exact: true });
    const email = page.getByLabel("Email", { exact: true });
    await expect(page.locator("#staff-name-error")).toBeVisible();
    await expect(page.locator("#staff-email-error")).toBeVisible();
    await expect(name).toHaveAttribute("aria-invalid", "true");
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(name).toBeFocused();
    await name.fill(`Sam ${tag}`);
    await email.fill("");
    await page.getByLabel("Email", { exact: true }).fill(`sam-${tag}@example.com`);
    await page.getByRole("button", { name: "Send invite" }).click();
    await openMail(page, new RegExp(`invited you to join ${org} on Portico`));
    const join = await linkInMessage(page, "/join/");
    const ctx = await newClientContext(browser, testInfo);
    try {
      const sam = await ctx.newPage();
      await sam.goto(join);
      await settle(sam);
      await expect(sam.getByRole("heading", { name: `Join ${org} on Portico` })).toBeVisible();
      await expectAccessible(sam, testInfo, "join");
    } finally {
      await ctx.close();
    }
  });

  const project = `Garden ${tag}`;
  const clientName = `Pat ${tag}`;
  const clientEmail = `pat-${tag}@example.com`;
  await test.step("organization set to passwords; a client is invited", async () => {
    await navTo(page, "Settings");
    await page.waitForURL((url) => url.pathname === "/settings");
    await settle(page);
    await page.getByLabel("Set a password on activation").check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved")).toBeVisible();
    await page.goto("/projects/new");
    await settle(page);
    await page.getByLabel("Project name", { exact: true }).fill(project);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
    await settle(page);
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/portal"));
    await settle(page);
    await inviteFromDialog(page, clientName, clientEmail);
  });

  await test.step("the client page and the notifications page", async () => {
    await page.getByRole("link", { name: clientName }).click();
    await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    await settle(page);
    await expect(page.getByRole("heading", { name: clientName, level: 1 })).toBeVisible();
    await expectAccessible(page, testInfo, "client");
    await page.goto("/notifications");
    await settle(page);
    await expectAccessible(page, testInfo, "notifications");
  });

  let slug = "";
  await test.step("the client accepts, chooses a password, and the portal's sign-in page asks for it", async () => {
    await openMail(page, `Olivia Owner invited you to ${project}`);
    const invite = await linkInMessage(page, "/invite/");
    const ctx = await newClientContext(browser, testInfo);
    try {
      const client = await ctx.newPage();
      await client.goto(invite);
      await settle(client);
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await settle(client);
      const code = await readCodeFromMailbox(page, org);
      await client.getByLabel("6-digit code").fill(code);
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/password");
      await settle(client);
      await expect(client.getByRole("heading", { name: "Choose a password" })).toBeVisible();
      await expectAccessible(client, testInfo, "choose-password");
      await client.getByLabel("New password").fill("a long enough password");
      await client.getByLabel("Confirm password").fill("a long enough password");
      await client.getByRole("button", { name: "Save password" }).click();
      await client.waitForURL((url) => url.pathname === "/portal");
      await expect(client.getByText(project).first()).toBeVisible();
      await settle(client);
      await client.getByRole("button", { name: "Sign out" }).click();
      await client.waitForURL((url) => url.pathname.startsWith("/p/"));
      slug = new URL(client.url()).pathname.slice(3);
      await settle(client);
      await expect(client.getByLabel("Password", { exact: true })).toBeVisible();
      await expectAccessible(client, testInfo, "portal-sign-in-password");
      // A bookmarked /portal, signed out: back to this portal's sign-in page, not staff sign-in.
      await client.goto("/portal");
      await client.waitForURL((url) => url.pathname === `/p/${slug}`);
    } finally {
      await ctx.close();
    }
  });

  await test.step("a browser that knows no portal finds it by email", async () => {
    const ctx = await newClientContext(browser, testInfo);
    try {
      const client = await ctx.newPage();
      await client.goto("/portal");
      await client.waitForURL((url) => url.pathname === "/portal/sign-in");
      await settle(client);
      await expect(client.getByRole("heading", { name: "Sign in to your portal" })).toBeVisible();
      await expectAccessible(client, testInfo, "portal-finder");
      await client.getByLabel("Email", { exact: true }).fill(clientEmail);
      await client.getByRole("button", { name: "Email me a sign-in link" }).click();
      await expect(client.getByRole("heading", { name: "Check your email" })).toBeVisible();
      await saveScreen(client, testInfo, "portal-finder-sent");
    } finally {
      await ctx.close();
    }
  });

  await test.step("staff forgot their password: a reset link signs them in with a new one", async () => {
    const ctx = await newClientContext(browser, testInfo);
    try {
      const other = await ctx.newPage();
      await other.goto("/sign-in");
      await settle(other);
      await other.getByRole("link", { name: "Forgot password?" }).click();
      await other.waitForURL((url) => url.pathname === "/forgot-password");
      await settle(other);
      await expectAccessible(other, testInfo, "forgot-password");
      await other.getByLabel("Email", { exact: true }).fill(owner);
      await other.getByRole("button", { name: "Email me a reset link" }).click();
      await expect(other.getByText("If this address has a Portico staff account")).toBeVisible();
      await openMail(page, "Choose a new Portico password");
      const reset = await linkInMessage(page, "/reset-password/");
      await other.goto(reset);
      await settle(other);
      await expect(other.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
      await expectAccessible(other, testInfo, "reset-password");
      await other.getByLabel("New password", { exact: true }).fill("another-correct-horse");
      await other.getByLabel("Confirm password", { exact: true }).fill("another-correct-horse");
      await other.getByRole("button", { name: "Save password" }).click();
      await other.waitForURL((url) => url.pathname === "/");
      await expect(other.getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();
    } finally {
      await ctx.close();
    }
  });
});
