import { expect, test, type Page } from "@playwright/test";
import { escapeRegExp, openMail, saveScreen, uniqueTag } from "./helpers";

// Run only in the "no JavaScript" projects: every step is a link or a plain HTML form.

/** The code in the newest sign-in code message for `org`, read in the Mailbox. */
async function codeFromMailbox(page: Page, org: string): Promise<string> {
  await openMail(page, `Your ${org} sign-in code`);
  const text = (await page.locator("pre.mail-text").textContent()) ?? "";
  const code = /portal: (\d{6})/.exec(text)?.[1] ?? "";
  expect(code).toMatch(/^\d{6}$/);
  return code;
}

test("the core loop works as plain HTML forms, without JavaScript", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Plain ${tag}`;
  const project = `Porch ${tag}`;

  await test.step("create the organization and a project", async () => {
    await page.goto("/setup");
    await page.getByLabel("Organization name", { exact: true }).fill(org);
    await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
    await page.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.goto("/projects/new");
    // A mistake first: the message comes back under its field.
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => url.pathname === "/projects/new");
    await expect(page.locator("#name-error")).toBeVisible();
    await page.getByLabel("Project name", { exact: true }).fill(project);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
  });

  let portal = "";
  await test.step("invite two clients from Portal access", async () => {
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/portal"));
    portal = new URL(page.url()).pathname;
    for (const who of ["ada", "bo"]) {
      await page.getByRole("link", { name: "Invite client" }).click();
      const dialog = page.getByRole("dialog", { name: "Invite client" });
      await expect(dialog).toBeVisible();
      await dialog.getByLabel("Name", { exact: true }).fill(`${who} ${tag}`);
      if (who === "ada") {
        // Refused first: the error under its field, in the dialog still open.
        await dialog.getByRole("button", { name: "Send invite" }).click();
        await page.waitForURL((url) => url.searchParams.has("__err"));
        await expect(page.getByRole("dialog", { name: "Invite client" }).locator("#invite-email-error")).toBeVisible();
      }
      await page.getByRole("dialog", { name: "Invite client" }).getByLabel("Email", { exact: true }).fill(`${who}-${tag}@example.com`);
      await page.getByRole("dialog", { name: "Invite client" }).getByRole("button", { name: "Send invite" }).click();
      // Sent: the dialog closes and the page says so, as the script's toast would, with no
      // earlier refusal left in the address to show again.
      await page.waitForURL((url) => url.searchParams.get("done") === "invitation-sent");
      expect(new URL(page.url()).pathname).toBe(portal);
      expect(new URL(page.url()).search).not.toContain("__err");
      await expect(page.getByRole("dialog", { name: "Invite client" })).toHaveCount(0);
      await expect(page.getByRole("status").getByText("Invitation sent", { exact: true })).toBeVisible();
      if (who === "ada") await saveScreen(page, testInfo, "nojs-invitation-sent");
      await expect(page.locator("li").filter({ hasText: `${who}-${tag}@example.com` }).getByText("Invited", { exact: true })).toBeVisible();
    }
  });

  await test.step("cancel one invitation, after confirming", async () => {
    const row = page.locator("li").filter({ hasText: `bo-${tag}@example.com` });
    await row.locator("summary").click();
    await row.getByRole("link", { name: "Cancel invite" }).click();
    await expect(page.getByRole("alertdialog")).toContainText(`Cancel the invitation for bo ${tag}?`);
    await page.getByRole("alertdialog").getByRole("button", { name: "Cancel invite" }).click();
    await page.waitForURL((url) => url.searchParams.get("done") === "invitation-cancelled");
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await expect(page.getByRole("status").getByText("Invitation cancelled", { exact: true })).toBeVisible();
    await page.goto(portal);
    await expect(page.locator("li").filter({ hasText: `bo-${tag}@example.com` }).getByText("Cancelled", { exact: true })).toBeVisible();
    // On a wide screen the status column lines up whichever action a row offers (Resend invite
    // beside Invited, Send invite beside Cancelled).
    if ((page.viewportSize()?.width ?? 0) >= 640) {
      const badgeLeft = async (who: string) =>
        (await page.locator("li").filter({ hasText: `${who}-${tag}@example.com` }).locator(".badge").boundingBox())?.x;
      const ada = await badgeLeft("ada");
      expect(ada).toBeDefined();
      expect(await badgeLeft("bo")).toBe(ada);
      await saveScreen(page, testInfo, "portal-access-two-actions");
    }
  });

  await test.step("the client continues, gets a wrong code refused, asks for a new one, gets in", async () => {
    // Ada's invitation (Bo's was cancelled): her row of the Mailbox.
    await page.goto("/mailbox");
    await page
      .getByRole("row")
      .filter({ hasText: `ada-${tag}@example.com` })
      .getByRole("link", { name: `Olivia Owner invited you to ${project}` })
      .click();
    await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
    const href = (await page.locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
    const u = testInfo.project.use;
    const ctx = await browser.newContext({
      baseURL: u.baseURL,
      viewport: u.viewport,
      userAgent: u.userAgent,
      isMobile: u.isMobile,
      hasTouch: u.hasTouch,
      javaScriptEnabled: false,
    });
    try {
      const client = await ctx.newPage();
      await client.goto(new URL(href).pathname);
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await client.getByLabel("6-digit code").fill("000000");
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await expect(client.locator("#code-error")).toContainText("That code is not right");
      await client.getByRole("button", { name: "Send a new code" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      await page.waitForTimeout(1_500);
      const code = await codeFromMailbox(page, org);
      await client.getByLabel("6-digit code").fill(code);
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => url.pathname === "/portal");
      await expect(client.getByText(project).first()).toBeVisible();
    } finally {
      await ctx.close();
    }
  });
});

test("a staff member joins from the team link without JavaScript, a short password refused first", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  const org = `Plain team ${tag}`;
  await page.goto("/setup");
  await page.getByLabel("Organization name", { exact: true }).fill(org);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto("/team");
  await page.getByLabel("Name", { exact: true }).fill(`Sam ${tag}`);
  await page.getByLabel("Email", { exact: true }).fill(`sam-${tag}@example.com`);
  await page.getByRole("button", { name: "Send invite" }).click();
  await page.waitForURL((url) => url.pathname === "/team");
  await openMail(page, new RegExp(`invited you to join ${escapeRegExp(org)} on Portico`));
  const href =
    (await page.getByRole("list", { name: "Links in this message" }).locator('a[href*="/join/"]').first().getAttribute("href")) ?? "";
  const join = new URL(href).pathname;
  expect(join).toMatch(/^\/join\//);

  const u = testInfo.project.use;
  const ctx = await browser.newContext({ baseURL: u.baseURL, viewport: u.viewport, userAgent: u.userAgent, javaScriptEnabled: false });
  try {
    const sam = await ctx.newPage();
    await sam.goto(join);
    await sam.getByLabel("Password", { exact: true }).fill("short");
    await sam.getByRole("button", { name: "Join the team" }).click();
    // Back on the join page (its address holds the token), the message under the field.
    await sam.waitForURL((url) => url.pathname === join);
    await expect(sam.locator("#join-password-error")).toContainText("Use at least 10 characters.");
    await sam.getByLabel("Password", { exact: true }).fill("a long enough password");
    await sam.getByRole("button", { name: "Join the team" }).click();
    await sam.waitForURL((url) => url.pathname === "/");
    await expect(sam.getByText(org).first()).toBeVisible();
  } finally {
    await ctx.close();
  }
});

test("Import CSV works as plain HTML forms: upload, dry run, import the valid rows only, invitations sent", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  const org = `Plain import ${tag}`;
  const project = `Shed ${tag}`;
  await page.goto("/setup");
  await page.getByLabel("Organization name", { exact: true }).fill(org);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");

  await page.goto("/projects");
  await page.getByRole("link", { name: "Import CSV" }).first().click();
  await page.waitForURL("**/imports/new");
  // A wrong file comes back to the form with the reason under the field.
  await page.getByLabel("CSV file").setInputFiles({ name: "empty.csv", mimeType: "text/csv", buffer: Buffer.from("") });
  await page.getByRole("button", { name: "Upload CSV" }).click();
  await page.waitForURL((url) => url.pathname === "/imports/new");
  await expect(page.getByLabel("CSV file")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("This file is empty. Download the template to see what goes in it.")).toBeVisible();

  const rows = [`${project},Ann ${tag},ann-${tag}@example.com`, `${project},Bob ${tag},not-an-email`, `${project},Cy ${tag},cy-${tag}@example.com`];
  await page.getByLabel("CSV file").setInputFiles({
    name: "plain.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(["Project,Name,Email", ...rows].join("\r\n") + "\r\n"),
  });
  await page.getByRole("button", { name: "Upload CSV" }).click();
  await page.waitForURL((url) => /^\/imports\/\d+$/.test(url.pathname));
  await expect(page.getByRole("heading", { name: "Import plain.csv", level: 1 })).toBeVisible();
  await expect(
    page.getByRole("region", { name: "Rows not imported as they are" }).getByRole("row").filter({ hasText: "Enter an email address like name@example.com." }),
  ).toHaveCount(1);
  await expect(page.getByRole("checkbox", { name: `Send invitations now to ${project}: 2 clients` })).toBeChecked();
  await page.getByRole("button", { name: "Import the valid rows only" }).click();
  await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
  // No script follows the job: reloading the page shows where it is.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText("Finished: 2 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await expect(async () => {
    await page.goto("/mailbox");
    await expect(page.getByRole("row").filter({ hasText: `-${tag}@example.com` }).filter({ hasText: `invited you to ${project}` })).toHaveCount(2, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });

  await test.step("a bulk action from the Clients page, as plain HTML forms", async () => {
    await page.goto("/clients");
    const bar = page.getByRole("group", { name: "Bulk actions" });
    // Nothing ticked: the confirmation says so and changes nothing.
    await bar.getByRole("button", { name: "Resend invite" }).click();
    const asked = page.getByRole("alertdialog", { name: "Resend invite" });
    await expect(asked.getByText("Select at least one client.")).toBeVisible();
    await asked.getByRole("link", { name: "Go back" }).click();
    await page.waitForURL((url) => url.pathname === "/clients" && !url.search.includes("bulk"));

    await page.getByRole("checkbox", { name: `Select Ann ${tag}` }).check();
    await page.getByRole("checkbox", { name: `Select Cy ${tag}` }).check();
    await bar.getByRole("button", { name: "Resend invite" }).click();
    await expect(asked.getByText("Resend 2 invitations.", { exact: true })).toBeVisible();
    await saveScreen(page, testInfo, "bulk-confirm-nojs");
    await asked.getByRole("button", { name: "Resend invite" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("Finished: 2 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(async () => {
      await page.goto("/mailbox");
      await expect(page.getByRole("row").filter({ hasText: `-${tag}@example.com` }).filter({ hasText: `invited you to ${project}` })).toHaveCount(4, {
        timeout: 1_000,
      });
    }).toPass({ timeout: 30_000 });
  });
});

test("Post update, Upload a document, Add invoice and Add profile work as plain HTML forms", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  await page.goto("/setup");
  await page.getByLabel("Organization name", { exact: true }).fill(`Plain news ${tag}`);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(`news-${tag}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto("/projects/new");
  await page.getByLabel("Project name", { exact: true }).fill(`Porch ${tag}`);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
  const projectPath = new URL(page.url()).pathname;

  await test.step("Post update: an empty one refused under its box, then the update in the feed", async () => {
    const updates = page.getByRole("region", { name: "Updates" });
    await updates.getByText("New update").click();
    await updates.getByRole("button", { name: "Post update" }).click();
    await page.waitForURL((url) => url.pathname === projectPath);
    await expect(page.locator("#update-body-error")).toHaveText("Write the update.");
    // The composer stays open after a refusal.
    await updates.getByLabel("Update", { exact: true }).fill("We **filed** it.");
    await updates.getByRole("button", { name: "Post update" }).click();
    await page.waitForURL((url) => url.pathname === projectPath);
    await expect(updates.locator("strong", { hasText: "filed" })).toBeVisible();
  });

  await test.step("Upload a document: a program refused under the field, then a PDF listed; Delete document", async () => {
    const documents = page.getByRole("region", { name: "Documents" });
    await documents.getByLabel("Upload a document").setInputFiles({ name: "setup.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ\x90\x00") });
    await documents.getByRole("button", { name: "Upload", exact: true }).click();
    await page.waitForURL((url) => url.pathname === projectPath && url.searchParams.get("upload") === "not_accepted");
    await expect(page.locator("#document-file-error")).toHaveText(/This kind of file is not accepted/);
    await documents.getByLabel("Upload a document").setInputFiles({ name: "Plan.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await documents.getByRole("button", { name: "Upload", exact: true }).click();
    await page.waitForURL((url) => url.pathname === projectPath && url.searchParams.has("uploaded"));
    await expect(documents.getByText("Plan.pdf uploaded.")).toBeVisible();
    const plan = documents.getByRole("listitem").filter({ hasText: "Plan.pdf" });
    await plan.getByText("Delete…").click();
    await plan.getByRole("button", { name: "Delete document Plan.pdf" }).click();
    await page.waitForURL((url) => url.pathname === projectPath);
    await expect(documents.getByRole("link", { name: "Plan.pdf" })).toHaveCount(0);
    await saveScreen(page, testInfo, "nojs-documents");
  });

  await test.step("Add invoice: problems under their fields with what was typed kept, then the invoice; Mark as sent", async () => {
    const invoices = page.getByRole("region", { name: "Invoices" });
    await invoices.getByText("New invoice").click();
    await invoices.getByLabel("Invoice number").fill("PLAIN-1");
    await invoices.getByLabel("Amount").fill("ten");
    await invoices.getByRole("button", { name: "Add invoice" }).click();
    await page.waitForURL((url) => url.pathname === projectPath && url.searchParams.has("invoice_problems"));
    await expect(page.locator("#invoice-amount-error")).toHaveText("Enter the amount as a number, e.g. 1250.00.");
    await expect(page.locator("#invoice-pdf-error")).toHaveText("Choose the invoice's PDF.");
    await expect(invoices.getByLabel("Invoice number")).toHaveValue("PLAIN-1");
    await invoices.getByLabel("Amount").fill("99.90");
    await invoices.getByLabel("Invoice PDF").setInputFiles({ name: "Plain.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await invoices.getByRole("button", { name: "Add invoice" }).click();
    await page.waitForURL((url) => url.pathname === projectPath && url.searchParams.has("invoice_added"));
    await expect(invoices.getByText("Invoice PLAIN-1 added.")).toBeVisible();
    await invoices.getByRole("button", { name: "Mark as sent: invoice PLAIN-1" }).click();
    await expect(invoices.getByRole("listitem").filter({ hasText: "Invoice PLAIN-1" }).getByText("Sent", { exact: true })).toBeVisible();
    await saveScreen(page, testInfo, "nojs-invoices");
  });

  await test.step("Add profile: a missing name refused, then the profile with its permission", async () => {
    await page.goto("/settings/client-profiles");
    const add = page.getByRole("region", { name: "Add profile" });
    await add.getByRole("button", { name: "Add profile" }).click();
    await page.waitForURL((url) => url.pathname === "/settings/client-profiles");
    await expect(page.locator("#profile-new-name-error")).toHaveText("Enter a profile name.");
    await add.getByLabel("Profile name").fill("Updates only");
    await add.getByLabel("View updates").check();
    await add.getByRole("button", { name: "Add profile" }).click();
    await page.waitForURL((url) => url.pathname === "/settings/client-profiles");
    const card = page.getByRole("region", { name: "Updates only" });
    await expect(card.getByLabel("View updates")).toBeChecked();
    await expect(card.getByLabel("View tasks")).not.toBeChecked();
    await saveScreen(page, testInfo, "nojs-client-profiles");
  });
});

test("a form sent with the invitation is filled as a plain HTML form, a missing answer refused first", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Plain forms ${tag}`;
  const project = `Porch ${tag}`;
  const formName = `Intake ${tag}`;
  const u = testInfo.project.use;
  // Staff build the form in a browser with its script (the builder needs it); the client has none.
  const staffCtx = await browser.newContext({ baseURL: u.baseURL, viewport: u.viewport, javaScriptEnabled: true });
  try {
    const staff = await staffCtx.newPage();
    await staff.goto("/setup");
    await staff.getByLabel("Organization name", { exact: true }).fill(org);
    await staff.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
    await staff.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
    await staff.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
    await staff.getByRole("button", { name: "Create organization" }).click();
    await staff.waitForURL((url) => url.pathname === "/");
    await staff.goto("/forms/new");
    await expect(staff.getByRole("button", { name: "Save form" })).toBeEnabled();
    await staff.getByLabel("Form name").fill(formName);
    const first = staff.getByRole("group", { name: "Field 1" });
    await first.getByLabel("Question").fill("Full legal name");
    await first.getByLabel("Required").check();
    await staff.getByRole("button", { name: "Add field" }).click();
    const second = staff.getByRole("group", { name: "Field 2" });
    await second.getByLabel("Question").fill("Do you have a VAT number?");
    await second.getByLabel("Type").selectOption({ label: "Yes / No" });
    await staff.getByRole("button", { name: "Save form" }).click();
    await staff.waitForURL((url) => /^\/forms\/\d+$/.test(url.pathname));
    await staff.goto("/projects/new");
    await staff.getByLabel("Project name", { exact: true }).fill(project);
    await staff.getByRole("button", { name: "Create project" }).click();
    await staff.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
    const projectPath = new URL(staff.url()).pathname;

    // The invite, as a plain form too: the dialog is a page state and posts without a script.
    await page.goto("/sign-in");
    await page.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.goto(`${projectPath}/portal?invite`);
    const dialog = page.getByRole("dialog", { name: "Invite client" });
    await dialog.getByLabel("Name", { exact: true }).fill(`Ana ${tag}`);
    await dialog.getByLabel("Email", { exact: true }).fill(`ana-${tag}@example.com`);
    await dialog.getByLabel("Send a digital form with the invitation").selectOption({ label: formName });
    await dialog.getByRole("button", { name: "Send invite" }).click();
    await page.goto(`${projectPath}/portal`);
    await expect(page.locator("li").filter({ hasText: `ana-${tag}@example.com` }).getByText("Invited", { exact: true })).toBeVisible();

    await openMail(page, new RegExp(`invited you to ${escapeRegExp(project)}`));
    const href = (await page.locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
    const ctx = await browser.newContext({
      baseURL: u.baseURL,
      viewport: u.viewport,
      userAgent: u.userAgent,
      isMobile: u.isMobile,
      hasTouch: u.hasTouch,
      javaScriptEnabled: false,
    });
    try {
      const client = await ctx.newPage();
      await client.goto(new URL(href).pathname);
      await client.getByRole("button", { name: "Continue" }).click();
      await client.waitForURL((url) => url.pathname === "/portal/verify");
      const code = await codeFromMailbox(page, org);
      await client.getByLabel("6-digit code").fill(code);
      await client.getByRole("button", { name: "Verify" }).click();
      await client.waitForURL((url) => /^\/portal\/forms\/\d+$/.test(url.pathname));
      await expect(client.getByRole("heading", { name: formName, level: 1 })).toBeVisible();
      await client.getByRole("radiogroup", { name: /VAT number/ }).getByLabel("Yes").check();
      await client.getByRole("button", { name: "Send answers" }).click();
      await client.waitForURL((url) => url.searchParams.has("problems"));
      await expect(client.getByText("Answer this question: it is required.")).toBeVisible();
      // The first answer to fix has the focus without any script.
      await expect(client.getByLabel(/Full legal name/)).toBeFocused();
      await expect(client.getByRole("radiogroup", { name: /VAT number/ }).getByLabel("Yes")).toBeChecked();
      await saveScreen(client, testInfo, "nojs-client-form");
      await client.getByLabel(/Full legal name/).fill(`Ana María ${tag}`);
      await client.getByRole("button", { name: "Send answers" }).click();
      await client.waitForURL((url) => /^\/portal\/projects\/\d+$/.test(url.pathname));
      await expect(client.getByText(`Thank you: your answers to “${formName}” were sent.`)).toBeVisible();
    } finally {
      await ctx.close();
    }
  } finally {
    await staffCtx.close();
  }
});

test("Select all N matching and a bulk action over it work as plain HTML forms", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const project = `Yard ${tag}`;
  await page.goto("/setup");
  await page.getByLabel("Organization name", { exact: true }).fill(`Plain many ${tag}`);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(`owner-${tag}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");

  await test.step("55 clients imported (more than the Clients page's 50)", async () => {
    await page.goto("/imports/new");
    const rows = Array.from({ length: 55 }, (_, i) => `${project},Many ${String(i).padStart(2, "0")} ${tag},many-${i}-${tag}@example.com`);
    await page.getByLabel("CSV file").setInputFiles({
      name: "many.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(["Project,Name,Email", ...rows].join("\r\n") + "\r\n"),
    });
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await page.waitForURL((url) => /^\/imports\/\d+$/.test(url.pathname));
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("Finished: 55 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });

  await test.step("Select all 55 matching, Send login email: one job over the whole filter", async () => {
    await page.goto(`/clients?q=${encodeURIComponent(tag)}`);
    await expect(page.getByRole("checkbox", { name: /^Select Many/ })).toHaveCount(50);
    await page.getByRole("checkbox", { name: "Select all 55 matching" }).check();
    await page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Send login email" }).click();
    const asked = page.getByRole("alertdialog", { name: "Send login email" });
    await expect(asked.getByText("Send 55 login emails.", { exact: true })).toBeVisible();
    await saveScreen(page, testInfo, "bulk-all-matching-nojs");
    await asked.getByRole("button", { name: "Send login email" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Send login email: 55 clients", level: 1 })).toBeVisible();
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("Finished: 55 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });
});

test("a refused Add client and Add customer keep what was typed, without JavaScript", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  const project = `Porch ${tag}`;
  await page.goto("/setup");
  await page.getByLabel("Organization name", { exact: true }).fill(`Plain kept ${tag}`);
  await page.getByLabel("Your name", { exact: true }).fill("Olivia Owner");
  await page.getByLabel("Email", { exact: true }).fill(`kept-${tag}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("correct-horse-battery-staple");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto("/projects/new");
  await page.getByLabel("Project name", { exact: true }).fill(project);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));

  await test.step("New project: refused for its name, the new customer typed in a folded section comes back in sight", async () => {
    await page.goto("/projects/new");
    await page.getByText("Add a new customer", { exact: true }).click();
    await page.getByLabel("New customer name").fill(`Harbour ${tag}`);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => url.pathname === "/projects/new" && url.search.includes("__err"));
    await expect(page.locator("#name-error")).toBeVisible();
    await expect(page.getByLabel("New customer name")).toBeVisible();
    await expect(page.getByLabel("New customer name")).toHaveValue(`Harbour ${tag}`);
  });

  await test.step("Add customer: a bad web address is refused, the type, address and projects are kept", async () => {
    await page.goto("/customers/new");
    await page.getByLabel("Customer name", { exact: true }).fill(`Northwind ${tag}`);
    await page.getByLabel("Individual").check();
    await page.getByLabel("Web address").fill("not a web address");
    await page.getByLabel("Street").fill("1 Shore Road");
    await page.getByLabel("Postal code").fill("EH6 6JJ");
    await page.getByLabel(project).check();
    await page.getByRole("button", { name: "Save customer" }).click();
    await page.waitForURL((url) => url.pathname === "/customers/new" && url.search.includes("__err"));
    await expect(page.locator("#customer-website-error")).toBeVisible();
    await expect(page.getByLabel("Customer name", { exact: true })).toHaveValue(`Northwind ${tag}`);
    await expect(page.getByLabel("Individual")).toBeChecked();
    await expect(page.getByLabel("Web address")).toHaveValue("not a web address");
    await expect(page.getByLabel("Street")).toHaveValue("1 Shore Road");
    await expect(page.getByLabel("Postal code")).toHaveValue("EH6 6JJ");
    await expect(page.getByLabel(project)).toBeChecked();
    await page.getByLabel("Web address").fill("northwind.example");
    await page.getByRole("button", { name: "Save customer" }).click();
    await page.waitForURL((url) => /^\/customers\/\d+$/.test(url.pathname));
    await expect(page.getByText("Customer saved.")).toBeVisible();
    await expect(page.getByText("1 Shore Road")).toBeVisible();
  });

  await test.step("Add client: a bad phone is refused under its field, and everything typed is still there", async () => {
    await page.goto("/clients/new");
    const name = `Ada <b>${tag}</b>`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Email", { exact: true }).fill(`ada-${tag}@example.com`);
    await page.getByLabel("Phone (optional)").fill("12");
    await page.getByLabel("Customer", { exact: true }).fill(`Northwind ${tag}`);
    await page.getByLabel(project).check();
    await page.getByLabel("Assigned staff").selectOption({ label: "Olivia Owner" });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/clients/new" && url.search.includes("__err"));
    await expect(page.locator("#client-phone-error")).toBeVisible();
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue(name);
    await expect(page.getByLabel("Email", { exact: true })).toHaveValue(`ada-${tag}@example.com`);
    await expect(page.getByLabel("Phone (optional)")).toHaveValue("12");
    await expect(page.getByLabel("Customer", { exact: true })).toHaveValue(`Northwind ${tag}`);
    await expect(page.getByLabel(project)).toBeChecked();
    await expect(page.getByLabel("Assigned staff")).toHaveValue(/^\d+$/);
    await saveScreen(page, testInfo, "add-client-refused-kept");
    // Only the phone needs mending.
    await page.getByLabel("Phone (optional)").fill("+44 20 7946 0958");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await expect(page.getByText("+44 20 7946 0958", { exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: `Northwind ${tag}` })).toBeVisible();
    // A later visit to the form starts empty.
    await page.goto("/clients/new");
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue("");
  });

});
