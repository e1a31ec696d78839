import { expect, test } from "@playwright/test";
import {
  createOrganization,
  expectAccessible,
  newClientContext,
  openMail,
  openNewPortal,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

// Digital forms: staff build a form (the builder says what is missing next to the field), send
// it with an invitation; the client accepts and is taken to the form before the portal, a
// required question left empty comes back with its message, then the answers reach the
// client's page and the form's page.

test("a form sent with the invitation is filled before the portal, and staff read the answers", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Ledger ${tag}`;
  const projectName = `Year end ${tag}`;
  const formName = `Intake ${tag}`;
  const client = { name: `Ana ${tag}`, email: `ana-${tag}@example.com` };
  await createOrganization(page, org, `owner-${tag}@example.com`);

  await test.step("Forms → New form: build it; a missing choice is said next to its field", async () => {
    await page.getByRole("link", { name: "Forms", exact: true }).first().click();
    await page.waitForURL((url) => url.pathname === "/forms");
    await settle(page);
    await expect(page.getByRole("heading", { name: "No forms yet" })).toBeVisible();
    await page.getByRole("link", { name: "New form" }).first().click();
    await page.waitForURL((url) => url.pathname === "/forms/new");
    await settle(page);
    await page.getByLabel("Form name").fill(formName);
    const first = page.getByRole("group", { name: "Field 1" });
    await first.getByLabel("Question").fill("Full legal name");
    await first.getByLabel("Required").check();
    await page.getByRole("button", { name: "Add field" }).click();
    const second = page.getByRole("group", { name: "Field 2" });
    await expect(second.getByLabel("Question")).toBeFocused();
    await second.getByLabel("Question").fill("Preferred contact");
    await second.getByLabel("Type").selectOption({ label: "Single choice" });
    await second.getByLabel("Required").check();
    await page.getByRole("button", { name: "Add field" }).click();
    const third = page.getByRole("group", { name: "Field 3" });
    await third.getByLabel("Question").fill("Anything else?");
    await third.getByLabel("Type").selectOption({ label: "Long text" });
    // The last field moves up, and back down.
    await page.getByRole("button", { name: "Move field 3 up" }).click();
    await expect(page.getByRole("group", { name: "Field 2" }).getByLabel("Question")).toHaveValue("Anything else?");
    await page.getByRole("button", { name: "Move field 2 down" }).click();
    await expect(page.getByRole("group", { name: "Field 3" }).getByLabel("Question")).toHaveValue("Anything else?");
    await page.getByRole("button", { name: "Save form" }).click();
    const choices = second.getByLabel("Choices (one per line)");
    await expect(second.getByText("Give at least two choices, one per line.")).toBeVisible();
    await expect(choices).toBeFocused();
    await expect(choices).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page, testInfo, "form-builder");
    await saveScreen(page, testInfo, "form-builder");
    await choices.fill("Email\nPhone");
    await page.getByRole("button", { name: "Save form" }).click();
    await page.waitForURL((url) => /^\/forms\/\d+$/.test(url.pathname));
    await settle(page);
    await expect(page.getByRole("heading", { name: formName, level: 1 })).toBeVisible();
    await expect(page.getByText("Not sent yet.")).toBeVisible();
  });

  const project = await openNewPortal(page, projectName);
  await settle(page);

  await test.step("Invite client with “Send a digital form with the invitation”", async () => {
    const dialog = page.getByRole("dialog", { name: "Invite client" });
    await expect(async () => {
      if (!(await dialog.isVisible())) await page.getByRole("link", { name: "Invite client" }).click();
      await expect(dialog).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 15_000 });
    await dialog.getByLabel("Name", { exact: true }).fill(client.name);
    await dialog.getByLabel("Email", { exact: true }).fill(client.email);
    await dialog.getByLabel("Send a digital form with the invitation").selectOption({ label: formName });
    await dialog.getByRole("button", { name: "Send invite" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator("li").filter({ hasText: client.email }).getByText("Invited", { exact: true })).toBeVisible();
  });

  const ctx = await newClientContext(browser, testInfo);
  try {
    const tab = await ctx.newPage();
    await test.step("The client accepts and lands on the form, before the portal", async () => {
      await openMail(page, new RegExp(`invited you to ${projectName}`));
      await expect(page.getByText(`fill in a short form first: ${formName}`).first()).toBeVisible();
      const links = page.getByRole("list", { name: "Links in this message" });
      const href = (await links.locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
      await tab.goto(new URL(href).pathname);
      await settle(tab);
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.waitForURL((url) => url.pathname === "/portal/verify");
      await settle(tab);
      const code = await readCodeFromMailbox(page, org);
      await tab.getByLabel("6-digit code").fill(code);
      await tab.getByRole("button", { name: "Verify" }).click();
      await tab.waitForURL((url) => /^\/portal\/forms\/\d+$/.test(url.pathname));
      await settle(tab);
      await expect(tab.getByRole("heading", { name: formName, level: 1 })).toBeVisible();
      // Required questions: no "Skip for now".
      await expect(tab.getByRole("button", { name: "Skip for now" })).toHaveCount(0);
    });

    await test.step("A required question left empty comes back with its message; then the answers are sent", async () => {
      await tab.getByLabel("Anything else?").fill("We moved offices in May.");
      await tab.getByRole("button", { name: "Send answers" }).click();
      await tab.waitForURL((url) => url.searchParams.has("problems"));
      await settle(tab);
      await expect(tab.getByText("2 answers need your attention.")).toBeVisible();
      await expect(tab.getByText("Answer this question: it is required.")).toBeVisible();
      await expect(tab.getByText("Choose an answer: this question is required.")).toBeVisible();
      await expect(tab.getByLabel(/Full legal name/)).toBeFocused();
      // What was typed is still there.
      await expect(tab.getByLabel("Anything else?")).toHaveValue("We moved offices in May.");
      await expectAccessible(tab, testInfo, "client-form-problems");
      await saveScreen(tab, testInfo, "client-form-problems");
      await tab.getByLabel(/Full legal name/).fill(`Ana María ${tag}`);
      await tab.getByRole("radiogroup", { name: /Preferred contact/ }).getByLabel("Phone").check();
      await tab.getByRole("button", { name: "Send answers" }).click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${project.projectId}`);
      await settle(tab);
      await expect(tab.getByText(`Thank you: your answers to “${formName}” were sent.`)).toBeVisible();
      const forms = tab.getByRole("region", { name: "Forms" });
      await expect(forms.getByText("Answered", { exact: true })).toBeVisible();
      await expectAccessible(tab, testInfo, "portal-forms");
      // The portal no longer starts with the form.
      await tab.goto("/portal");
      await settle(tab);
      await expect(tab.getByRole("heading", { name: `Welcome, ${client.name}` })).toBeVisible();
    });
  } finally {
    await ctx.close();
  }

  await test.step("Staff read the answers on the client's page and the form's page", async () => {
    await page.goto(`/projects/${project.projectId}/portal`);
    await settle(page);
    await page.getByRole("link", { name: client.name, exact: true }).click();
    await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    await settle(page);
    const section = page.getByRole("region", { name: "Forms" });
    await expect(section.getByText(`Ana María ${tag}`)).toBeVisible();
    await expect(section.getByText("Phone", { exact: true })).toBeVisible();
    await expect(section.getByText("Answered", { exact: true })).toBeVisible();
    await expectAccessible(page, testInfo, "client-forms");
    await section.getByRole("link", { name: formName }).click();
    await page.waitForURL((url) => /^\/forms\/\d+$/.test(url.pathname));
    await settle(page);
    await expect(page.getByText("Sent to 1 · answered by 1")).toBeVisible();
    const csv = await page.request.get(`${new URL(page.url()).pathname}/answers.csv`);
    expect(csv.status()).toBe(200);
    const text = await csv.text();
    expect(text).toContain(`Ana María ${tag}`);
    expect(text).toContain("We moved offices in May.");
    await saveScreen(page, testInfo, "form-answers");
  });
});
