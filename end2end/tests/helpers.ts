import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type BrowserContext, type Locator, type Page, type TestInfo } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

/** Escape a string for use inside a RegExp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A tag unique per project and run: both projects share one server and one database. */
export function uniqueTag(testInfo: TestInfo): string {
  return `${testInfo.project.name.replace(/\W/g, "")}-${Date.now()}`;
}

/**
 * Wait until the page has loaded its wasm bundle and gone quiet, so that the app is hydrated
 * before we click anything (a click before hydration can be lost).
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("load");
  await page.waitForLoadState("networkidle");
}

/**
 * Scan the page with axe and fail on "serious" or "critical" violations, printed readably.
 */
export async function expectAccessible(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  await testInfo.attach(`axe-${name}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: "application/json",
  });
  const report = bad
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => {
          const summary = (n.failureSummary ?? "").replace(/\s*\n\s*/g, " | ");
          return `      - ${n.target.join(" ")}\n        ${n.html.slice(0, 200)}\n        ${summary}`;
        })
        .join("\n");
      const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : "";
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join("\n");
  expect(
    bad.length,
    `axe found ${bad.length} serious/critical violation(s) on "${name}" (${page.url()}):\n${report}\n`,
  ).toBe(0);
}

/** Full-page screenshot for humans: test-results/screens/<project>-<name>.png */
export async function saveScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const dir = path.join(__dirname, "..", "test-results", "screens");
  fs.mkdirSync(dir, { recursive: true });
  const project = testInfo.project.name.replace(/\W+/g, "-");
  await page.screenshot({ path: path.join(dir, `${project}-${name}.png`), fullPage: true });
}

/** Click a top navigation link by its exact name. */
export async function navTo(page: Page, name: string): Promise<void> {
  await page.getByRole("link", { name, exact: true }).first().click();
}

/**
 * Expect a text on the page, reloading if it is not there yet (for values that a background
 * worker or a cached resource may update a moment later).
 */
export async function expectTextEventually(
  page: Page,
  locator: Locator,
  text: string | RegExp,
  timeout = 20_000,
): Promise<void> {
  try {
    await expect(locator).toHaveText(text, { timeout: 5_000 });
  } catch {
    await expect(async () => {
      await page.reload();
      await settle(page);
      await expect(locator).toHaveText(text, { timeout: 2_000 });
    }).toPass({ timeout });
  }
}

/** A second, independent browser context with the same device settings as the project. */
export async function newClientContext(browser: Browser, testInfo: TestInfo): Promise<BrowserContext> {
  const u = testInfo.project.use;
  return browser.newContext({
    baseURL: u.baseURL,
    viewport: u.viewport,
    userAgent: u.userAgent,
    deviceScaleFactor: u.deviceScaleFactor,
    isMobile: u.isMobile,
    hasTouch: u.hasTouch,
    locale: u.locale,
  });
}


/** Creates an organization on /setup and lands on its dashboard, signed in as its owner. */
export async function createOrganization(page: Page, org: string, email: string): Promise<void> {
  await page.goto("/setup");
  await settle(page);
  await page.getByLabel("Organization name", { exact: true }).fill(org);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await settle(page);
}

/** Creates a project on /projects/new and lands on its page. */
export async function createProject(page: Page, name: string): Promise<void> {
  await page.goto("/projects/new");
  await settle(page);
  await page.getByLabel("Project name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
}

/** Creates a project and opens its Portal access page; its path and the project's id. */
export async function openNewPortal(page: Page, name: string): Promise<{ portal: string; projectId: string }> {
  await createProject(page, name);
  await page.getByRole("link", { name: "Manage portal" }).click();
  await page.waitForURL((url) => url.pathname.endsWith("/portal"));
  const portal = new URL(page.url()).pathname;
  return { portal, projectId: portal.split("/")[2] };
}

/**
 * Invites `count` clients to a project through the invite server function: the same call the
 * invite dialog's form makes, from this signed-in page (its cookies). `person(i)` names each.
 */
export async function inviteMany(
  page: Page,
  { portal, projectId }: { portal: string; projectId: string },
  count: number,
  person: (i: number) => { name: string; email: string },
): Promise<void> {
  await page.goto(`${portal}?invite`);
  await settle(page);
  const action = await page.locator('form[action*="invite_client"]').getAttribute("action");
  expect(action).toBeTruthy();
  for (let i = 0; i < count; i++) {
    const { name, email } = person(i);
    const res = await page.request.post(action!, { form: { project_id: projectId, existing: "", name, email, phone: "" } });
    expect(res.status(), `invite ${email}`).toBe(200);
  }
}

/** Opens the newest Mailbox message whose subject matches, waiting for the worker. */
export async function openMail(page: Page, subject: string | RegExp): Promise<void> {
  await page.goto("/mailbox");
  await settle(page);
  const link = page.getByRole("link", { name: subject });
  await expect(async () => {
    if ((await link.count()) === 0) {
      await page.reload();
      await settle(page);
    }
    await expect(link.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await link.first().click();
  await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
  await settle(page);
}

/** Reads the newest sign-in code sent for `org` from its message in the Mailbox (the code is
 * in the body only: subjects stay readable, bodies are sealed at rest). */
export async function readCodeFromMailbox(page: Page, org: string): Promise<string> {
  await openMail(page, `Your ${org} sign-in code`);
  const text = (await page.locator("pre.mail-text").textContent()) ?? "";
  const code = /portal: (\d{6})/.exec(text)?.[1] ?? "";
  expect(code).toMatch(/^\d{6}$/);
  return code;
}

/** Invites a new contact from the Portal access page's "Invite client" dialog. */
export async function inviteFromDialog(page: Page, name: string, email: string): Promise<void> {
  const dialog = page.getByRole("dialog", { name: "Invite client" });
  await expect(async () => {
    if (!(await dialog.isVisible())) await page.getByRole("link", { name: "Invite client" }).click();
    await expect(dialog).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  await dialog.getByRole("button", { name: "Send invite" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator("li").filter({ hasText: email }).getByText("Invited", { exact: true })).toBeVisible();
}

/** Picks `name` in a search-as-you-type Project or Customer box: types it as a person
 * would, then clicks its suggestion, and checks the box shows it. */
export async function pickName(scope: Page | Locator, label: string, name: string): Promise<void> {
  const box = scope.getByRole("combobox", { name: label, exact: true });
  await box.click();
  await box.pressSequentially(name, { delay: 20 });
  await scope.getByRole("option", { name, exact: true }).click();
  await expect(box).toHaveValue(name);
  await expect(box).toHaveAttribute("aria-expanded", "false");
}

/** Opens the newest Mailbox message to `to` whose subject matches, waiting for the worker. */
export async function openMailTo(page: Page, to: string, subject: string): Promise<void> {
  await page.goto("/mailbox");
  await settle(page);
  const row = page.getByRole("row").filter({ hasText: to }).filter({ hasText: subject });
  await expect(async () => {
    if ((await row.count()) === 0) {
      await page.reload();
      await settle(page);
    }
    await expect(row.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await row.first().getByRole("link").first().click();
  await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
  await settle(page);
}

/** The client in `tab` accepts their invitation to `project`: staff's `page` finds its link and
 * then the sign-in code in the Mailbox (the ones sent to `email` when given: several clients of
 * one organization), the client continues, enters the code and lands on their portal. */
export async function acceptInvitation(page: Page, tab: Page, org: string, project: string, email?: string): Promise<void> {
  if (email) {
    await openMailTo(page, email, `invited you to ${project}`);
  } else {
    await openMail(page, new RegExp(`invited you to ${escapeRegExp(project)}`));
  }
  const links = page.getByRole("list", { name: "Links in this message" });
  const href = (await links.locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
  await tab.goto(new URL(href).pathname);
  await settle(tab);
  await tab.getByRole("button", { name: "Continue" }).click();
  await tab.waitForURL((url) => url.pathname === "/portal/verify");
  await settle(tab);
  let code: string;
  if (email) {
    await openMailTo(page, email, `Your ${org} sign-in code`);
    const text = (await page.locator("pre.mail-text").textContent()) ?? "";
    code = /portal: (\d{6})/.exec(text)?.[1] ?? "";
    expect(code).toMatch(/^\d{6}$/);
  } else {
    code = await readCodeFromMailbox(page, org);
  }
  await tab.getByLabel("6-digit code").fill(code);
  await tab.getByRole("button", { name: "Verify" }).click();
  await tab.waitForURL((url) => url.pathname === "/portal");
  await settle(tab);
}
