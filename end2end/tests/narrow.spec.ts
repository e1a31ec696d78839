import { expect, test, type Page } from "@playwright/test";
import { createOrganization, inviteFromDialog, openMail, saveScreen, settle, uniqueTag } from "./helpers";

// The narrowest phones in use: nothing may scroll sideways, every destination stays in sight.
test.use({ viewport: { width: 360, height: 740 } });

async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways by ${overflow}px at 360 px`).toBeLessThanOrEqual(0);
}

test("at 360 px nothing scrolls sideways and every navigation link is in sight", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  // A long organization name and a long client address, as real ones are.
  const org = `Hargreaves Whitfield and Partners Chartered Accountants ${tag}`;
  const longEmail = `firstname.middlename.lastname.${tag.toLowerCase()}@a-rather-long-company-domain.example.com`;
  await createOrganization(page, org, `owner-${tag}@example.com`);

  const nav = page.getByRole("navigation", { name: "Main" });
  // Every destination in sight: each link whole inside the screen, none scrolled out of view
  // (a row that scrolled with a hidden scrollbar cut "Team" mid-word and hid Mailbox, Jobs and
  // Settings), on at most two rows.
  const everyLinkInSight = async (name: string) => {
    const links = nav.getByRole("link");
    // The page may still be arriving (a slow machine): measure once its navigation is there.
    await expect(links.first()).toBeVisible();
    const n = await links.count();
    expect(n, `${name}: the navigation's links`).toBe(9);
    expect(await nav.evaluate((el) => el.scrollWidth - el.clientWidth), `${name}: the navigation scrolls`).toBeLessThanOrEqual(0);
    const tops = new Set<number>();
    for (let i = 0; i < n; i++) {
      const box = (await links.nth(i).boundingBox())!;
      const label = await links.nth(i).innerText();
      expect(box.x, `${name}: ${label} starts off screen`).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, `${name}: ${label} is cut at the right edge`).toBeLessThanOrEqual(360);
      tops.add(Math.round(box.y));
    }
    expect(tops.size, `${name}: the navigation takes ${tops.size} rows`).toBeLessThanOrEqual(2);
  };

  await expectNoSidewaysScroll(page, "dashboard");
  await everyLinkInSight("dashboard");
  // The long name takes two lines at most, cut with an ellipsis (a third line pushed every
  // page down); the whole name stays in its title.
  const brand = page.locator(".brand-org");
  const lines = await brand.evaluate((el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
  expect(Math.round(lines)).toBe(2);
  await expect(brand).toHaveAttribute("title", org);
  await saveScreen(page, testInfo, "narrow-dashboard");

  await page.goto("/projects/new");
  await settle(page);
  await page.getByLabel("Project name", { exact: true }).fill(`Loft conversion ${tag}`);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
  await settle(page);
  await page.getByRole("link", { name: "Manage portal" }).click();
  await page.waitForURL((url) => url.pathname.endsWith("/portal"));
  await settle(page);
  await inviteFromDialog(page, `Maximilian Bartholomew-Fitzgerald ${tag}`, longEmail);
  await expectNoSidewaysScroll(page, "portal access");
  await saveScreen(page, testInfo, "narrow-portal-access");

  await page.getByRole("link", { name: `Maximilian Bartholomew-Fitzgerald ${tag}` }).click();
  await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
  await settle(page);
  await expectNoSidewaysScroll(page, "client page");
  await saveScreen(page, testInfo, "narrow-client");

  await openMail(page, new RegExp(`invited you to Loft conversion ${tag}`));
  await expectNoSidewaysScroll(page, "mailbox message");
  await everyLinkInSight("mailbox message");
  await saveScreen(page, testInfo, "narrow-mailbox-message");

  // The Mailbox's messages are cards on a phone, with every column: who each was sent to too.
  await page.goto("/mailbox");
  await settle(page);
  await expect(page.getByText(longEmail).first()).toBeVisible();
  await expectNoSidewaysScroll(page, "mailbox");

  for (const path of ["/", "/mailbox", "/team", "/settings", "/no/such/page"]) {
    await page.goto(path);
    await settle(page);
    await expectNoSidewaysScroll(page, path);
  }
  await saveScreen(page, testInfo, "narrow-not-found");
});
