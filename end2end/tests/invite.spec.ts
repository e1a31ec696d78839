import { expect, test, type Page } from "@playwright/test";
import {
  expectAccessible,
  expectTextEventually,
  navTo,
  newClientContext,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

async function expectStats(page: Page, invited: number, joined: number): Promise<void> {
  await expectTextEventually(page, page.getByTestId("stat-invited"), String(invited));
  await expectTextEventually(page, page.getByTestId("stat-joined"), String(joined));
}

test("staff invites a client, who joins the portal with an e-mailed code", async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);

  const tag = uniqueTag(testInfo);
  const org = `Acme Renovations ${tag}`;
  const staffName = "Olivia Owner";
  const staffEmail = `owner-${tag}@example.com`;
  const password = "correct-horse-battery-staple";
  const projectName = `Kitchen remodel ${tag}`;
  const customerName = "Harbor Cafe";
  const clientName = "Cara Client";
  const clientEmail = `client-${tag}@example.com`;

  // Every wasm file the staff browser fetches: the front desk's pages (setup, dashboard, Portal
  // access) come with the front desk's bundle, other staff pages with the staff bundle.
  const staffWasm: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) staffWasm.push(path);
  });

  // ---------------------------------------------------------------- setup
  await test.step("create the organization on /setup", async () => {
    await page.goto("/setup");
    await settle(page);
    await expect(page.getByRole("heading", { name: "Create your organization" })).toBeVisible();
    await expectAccessible(page, testInfo, "setup");
    await page.getByLabel("Organization name", { exact: true }).fill(org);
    await page.getByLabel("Your name", { exact: true }).fill(staffName);
    await page.getByLabel("Email", { exact: true }).fill(staffEmail);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
    await settle(page);
  });

  // ---------------------------------------------------------------- dashboard
  await test.step("dashboard", async () => {
    await expect(page.getByTestId("stat-invited")).toHaveText("0");
    await expect(page.getByTestId("stat-joined")).toHaveText("0");
    await expect(page.getByText("Client portal URL")).toBeVisible();
    await expect(page.getByRole("button", { name: "Copy" })).toBeVisible();
    for (const name of ["Dashboard", "Projects", "Mailbox"]) {
      await expect(page.getByRole("link", { name, exact: true }).first()).toBeVisible();
    }
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    await expectAccessible(page, testInfo, "dashboard");
  });

  // ---------------------------------------------------------------- projects
  let projectUrl = "";
  await test.step("create a project", async () => {
    await navTo(page, "Projects");
    await page.waitForURL((url) => url.pathname === "/projects");
    await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
    await settle(page);
    await expectAccessible(page, testInfo, "projects");
    // Setup and the dashboard: the front desk's bundle; the Projects page is not the front
    // desk's, so the link loaded it from the server with the staff bundle.
    expect(staffWasm[0]).toMatch(/^\/pkg\/portico-front-desk\.[0-9a-f]+\.wasm$/);
    expect(new Set(staffWasm).size).toBe(2);
    expect(staffWasm[staffWasm.length - 1]).toMatch(/^\/pkg\/portico\.[^/]+\.wasm$/);

    await page.getByRole("link", { name: "New project" }).first().click();
    await page.waitForURL((url) => url.pathname === "/projects/new");
    await expect(page.getByRole("heading", { name: "New project", level: 1 })).toBeVisible();
    await settle(page);
    await expectAccessible(page, testInfo, "new-project");

    await page.getByLabel("Project name", { exact: true }).fill(projectName);
    await page.getByText("Add a new customer", { exact: true }).click();
    await page.getByLabel("New customer name", { exact: true }).fill(customerName);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/[^/]+$/.test(url.pathname) && url.pathname !== "/projects/new");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(projectName);
    await settle(page);
    projectUrl = new URL(page.url()).pathname;
    await expect(page.getByRole("heading", { name: "Client portal" })).toBeVisible();
    await expectAccessible(page, testInfo, "project");
  });

  // ---------------------------------------------------------------- portal access + invite
  let portalUrl = "";
  await test.step("invite a client from Portal access", async () => {
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname === `${projectUrl}/portal`);
    portalUrl = `${projectUrl}/portal`;
    await expect(page.getByRole("heading", { name: "Portal access", level: 1 })).toBeVisible();
    await settle(page);

    const inviteButton = page.getByRole("link", { name: "Invite client" });
    await expect(inviteButton).toBeVisible();
    if (testInfo.project.name === "Pixel 5") {
      // On phones the action is a bar fixed to the bottom of the screen.
      const viewport = page.viewportSize();
      expect(viewport, "Pixel 5 has a viewport").not.toBeNull();
      const box = await inviteButton.boundingBox();
      expect(box, "Invite client has a bounding box").not.toBeNull();
      const bottom = box!.y + box!.height;
      expect(bottom, `Invite client bottom (${bottom}px) should be near the viewport bottom (${viewport!.height}px)`)
        .toBeGreaterThanOrEqual(viewport!.height - 80);
      expect(bottom).toBeLessThanOrEqual(viewport!.height + 1);
    }

    const dialog = page.getByRole("dialog", { name: "Invite client" });
    // A link to the page state `?invite`: it works on the first tap, hydrated or not.
    await expect(async () => {
      if (!(await dialog.isVisible())) await inviteButton.click();
      await expect(dialog).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 15_000 });

    await dialog.getByLabel("Name", { exact: true }).fill(clientName);
    await dialog.getByLabel("Email", { exact: true }).fill(clientEmail);
    await expect(dialog.getByLabel("Phone (optional)", { exact: true })).toBeVisible();
    await expectAccessible(page, testInfo, "portal-access-dialog");
    await dialog.getByRole("button", { name: "Send invite" }).click();

    await expect(dialog).toBeHidden();
    await expect(
      page.getByRole("status").filter({ hasText: "Invitation sent" })
        .or(page.getByText("Invitation sent", { exact: true }))
        .first(),
    ).toBeVisible();
    const row = page
      .locator('tr, li, [role="row"], [role="listitem"]')
      .filter({ hasText: clientEmail })
      .last();
    await expect(row).toBeVisible();
    await expect(row.getByText("Invited", { exact: true })).toBeVisible();
    await expect(row.getByText("Invitation sent just now")).toBeVisible();
    await saveScreen(page, testInfo, "portal-access");
  });

  await test.step("dashboard counts the invitation", async () => {
    await navTo(page, "Dashboard");
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
    await expectStats(page, 1, 0);
    await saveScreen(page, testInfo, "dashboard");
  });

  // ---------------------------------------------------------------- mailbox: the invitation
  let inviteHref = "";
  await test.step("read the invitation in the Mailbox", async () => {
    await navTo(page, "Mailbox");
    await page.waitForURL((url) => url.pathname === "/mailbox");
    await expect(page.getByRole("heading", { name: "Mailbox", level: 1 })).toBeVisible();
    await settle(page);
    await expect(page.getByRole("table")).toBeVisible();
    await expectAccessible(page, testInfo, "mailbox");

    const subject = page.getByRole("link", { name: `${staffName} invited you to ${projectName}`, exact: true });
    await expect(async () => {
      if ((await subject.count()) === 0) {
        await page.reload();
        await settle(page);
      }
      await expect(subject.first()).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await subject.first().click();
    await page.waitForURL((url) => /^\/mailbox\/[^/]+$/.test(url.pathname));
    await settle(page);
    const links = page.getByRole("list", { name: "Links in this message" });
    await expect(links).toBeVisible();
    const inviteLink = links.locator('a[href*="/invite/"]').first();
    await expect(inviteLink).toBeVisible();
    inviteHref = (await inviteLink.getAttribute("href")) ?? "";
    expect(inviteHref).toContain("/invite/");
    await expectAccessible(page, testInfo, "mailbox-message");
  });

  // ---------------------------------------------------------------- the client, in its own context
  const clientContext = await newClientContext(browser, testInfo);
  // Every wasm file the client's browser fetches: client pages load the client's bundle only.
  const clientWasm: string[] = [];
  clientContext.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) clientWasm.push(path);
  });
  try {
    const client = await clientContext.newPage();

    await test.step("client opens the invitation", async () => {
      await client.goto(inviteHref);
      await settle(client);
      await expect(
        client.getByRole("heading", { name: `${org} invited you to ${projectName}` }),
      ).toBeVisible();
      await expectAccessible(client, testInfo, "invite");
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await expect(client.getByRole("heading", { name: "Enter your code" })).toBeVisible();
      await settle(client);
      const codeInput = client.getByLabel("6-digit code");
      await expect(codeInput).toBeVisible();
      // Ready to type the code from the email: the box has the focus.
      await expect(codeInput).toBeFocused();
      await expect(codeInput).toHaveAttribute("autocomplete", "one-time-code");
      await expect(codeInput).toHaveAttribute("inputmode", "numeric");
      await expect(client.getByRole("button", { name: "Verify" })).toBeVisible();
      await expect(client.getByRole("button", { name: "Send a new code" })).toBeVisible();
      await expectAccessible(client, testInfo, "verify");
    });

    let code = "";
    await test.step("staff reads the sign-in code in the Mailbox", async () => {
      code = await readCodeFromMailbox(page, org);
      expect(code).toMatch(/^\d{6}$/);
    });

    await test.step("client enters the code and lands in the portal", async () => {
      await client.getByLabel("6-digit code").fill(code);
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => url.pathname === "/portal");
      await expect(client.getByRole("heading", { name: `Welcome, ${clientName}` })).toBeVisible();
      await expect(client.getByText(projectName).first()).toBeVisible();
      await settle(client);
      await expectAccessible(client, testInfo, "portal-home");
    });

    await test.step("the client's pages came with the client's bundle, not the staff one", async () => {
      // One fetch (then cached): the invitation, the code and the portal share the bundle.
      expect(clientWasm).toHaveLength(1);
      expect(clientWasm[0]).toMatch(/^\/pkg\/portico-portal\.[0-9a-f]+\.wasm$/);
      // Signed in, the sign-in page goes on to the portal.
      await client.goto("/portal/sign-in");
      await client.waitForURL((url) => url.pathname === "/portal");
      await expect(client.getByRole("heading", { name: `Welcome, ${clientName}` })).toBeVisible();
      // A link from a client page to a staff page, which the client's bundle does not hold,
      // loads that page from the server, with the bundle that holds it (the staff sign-in is
      // the front desk's). Signed out first, so the sign-in page is a form.
      await client.getByRole("button", { name: "Sign out" }).click();
      await client.waitForURL((url) => url.pathname.startsWith("/p/"));
      await client.goto("/portal/sign-in");
      await settle(client);
      expect(clientWasm.every((path) => path === clientWasm[0])).toBe(true);
      const before = clientWasm.length;
      await client.getByRole("link", { name: "Sign in here" }).click();
      await client.waitForURL((url) => url.pathname === "/sign-in");
      await expect(client.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
      await settle(client);
      const after = clientWasm.slice(before);
      expect(after).toHaveLength(1);
      expect(after[0]).toMatch(/^\/pkg\/portico-front-desk\.[0-9a-f]+\.wasm$/);
      await client.getByLabel("Email", { exact: true }).fill("nobody@example.com");
      await expect(client.getByLabel("Email", { exact: true })).toHaveValue("nobody@example.com");
    });
  } finally {
    await clientContext.close();
  }

  // ---------------------------------------------------------------- staff sees the join
  await test.step("dashboard counts the join, and the contact is Active", async () => {
    await navTo(page, "Dashboard");
    await page.waitForURL((url) => url.pathname === "/");
    await settle(page);
    // The counts are the badges: the client moved from Invited (waiting) to Joined (Active).
    await expectStats(page, 0, 1);

    await page.goto(portalUrl);
    await settle(page);
    await expect(page.getByRole("heading", { name: "Portal access", level: 1 })).toBeVisible();
    const row = page
      .locator('tr, li, [role="row"], [role="listitem"]')
      .filter({ hasText: clientEmail })
      .last();
    await expectTextEventually(page, row.getByText("Active", { exact: true }), "Active");
  });
});
