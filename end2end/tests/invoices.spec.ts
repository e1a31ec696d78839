import { expect, test } from "@playwright/test";
import {
  acceptInvitation,
  createOrganization,
  expectAccessible,
  inviteFromDialog,
  newClientContext,
  openNewPortal,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

// Invoices: staff add one to a project with its PDF (a bad form comes back with every problem
// under its field and what was typed still there), a draft stays with the team, a sent one
// reaches the client's portal where its PDF downloads; staff mark it paid.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("staff add an invoice with its PDF, the client sees the sent one and downloads it, staff mark it paid", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Ledger ${tag}`;
  const projectName = `Year end ${tag}`;
  const client = { name: `Uma ${tag}`, email: `uma-${tag}@example.com` };
  const number = `INV-${tag}`;
  await createOrganization(page, org, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, projectName);
  await settle(page);
  await inviteFromDialog(page, client.name, client.email);

  const ctx = await newClientContext(browser, testInfo);
  try {
    const tab = await ctx.newPage();
    await acceptInvitation(page, tab, org, projectName);

    await test.step("New invoice: problems under their fields, the typed fields kept; then the invoice listed", async () => {
      await page.goto(`/projects/${project.projectId}`);
      await settle(page);
      const invoices = page.getByRole("region", { name: "Invoices" });
      await expect(invoices.getByText("No invoices yet.")).toBeVisible();
      await invoices.getByText("New invoice").click();
      await invoices.getByLabel("Invoice number").fill(number);
      await invoices.getByLabel("Amount").fill("1,250.505");
      await invoices.getByLabel("Currency").selectOption("EUR");
      await invoices.getByLabel("Status").selectOption({ label: "Sent" });
      await invoices.getByLabel("Invoice PDF").setInputFiles({ name: "Invoice.pdf", mimeType: "application/pdf", buffer: Buffer.from("just words") });
      await invoices.getByRole("button", { name: "Add invoice" }).click();
      await page.waitForURL((url) => url.searchParams.has("invoice_problems"));
      await settle(page);
      await expect(invoices.getByText("This currency has 2 decimals: enter at most 2 digits after the point.")).toBeVisible();
      await expect(invoices.getByText(/This file is not really a PDF/)).toBeVisible();
      await expect(invoices.getByLabel("Amount")).toBeFocused();
      await expect(invoices.getByLabel("Amount")).toHaveAttribute("aria-invalid", "true");
      await expect(invoices.getByLabel("Invoice number")).toHaveValue(number);
      await expect(invoices.getByLabel("Currency")).toHaveValue("EUR");
      await expect(invoices.getByLabel("Status")).toHaveValue("sent");
      await invoices.getByLabel("Amount").fill("1,250.50");
      await invoices.getByLabel("Invoice PDF").setInputFiles({ name: "Invoice.pdf", mimeType: "application/pdf", buffer: PDF });
      await invoices.getByRole("button", { name: "Add invoice" }).click();
      await page.waitForURL((url) => url.searchParams.has("invoice_added"));
      await settle(page);
      await expect(invoices.getByText(`Invoice ${number} added.`)).toBeVisible();
      const item = invoices.getByRole("listitem").filter({ has: page.getByText(`Invoice ${number}`, { exact: true }) });
      await expect(item.getByText("1,250.50 EUR")).toBeVisible();
      await expect(item.getByText("Sent", { exact: true })).toBeVisible();
      // A draft: only the team sees it.
      const first = new URL(page.url()).searchParams.get("invoice_added");
      await invoices.getByText("New invoice").click();
      await invoices.getByLabel("Invoice number").fill(`${number}-D`);
      await invoices.getByLabel("Amount").fill("300");
      await invoices.getByLabel("Invoice PDF").setInputFiles({ name: "Draft.pdf", mimeType: "application/pdf", buffer: PDF });
      await invoices.getByRole("button", { name: "Add invoice" }).click();
      await page.waitForURL((url) => url.searchParams.has("invoice_added") && url.searchParams.get("invoice_added") !== first);
      await settle(page);
      await expect(invoices.getByRole("listitem").filter({ hasText: `Invoice ${number}-D` }).getByText("Draft", { exact: true })).toBeVisible();
      await expectAccessible(page, testInfo, "project-invoices");
      await saveScreen(page, testInfo, "project-invoices");
    });

    await test.step("the client sees the sent invoice as new and downloads its PDF; not the draft", async () => {
      await tab.goto("/portal");
      await settle(tab);
      await expect(tab.getByText("1 new since your last visit")).toBeVisible();
      await tab.getByRole("link", { name: projectName }).click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${project.projectId}`);
      await settle(tab);
      await expect(tab.getByRole("navigation", { name: "Sections of this project" }).getByRole("link", { name: "Invoices (1) · 1 new", exact: true })).toBeVisible();
      const invoices = tab.getByRole("region", { name: "Invoices" });
      await expect(invoices.getByText(`Invoice ${number}`, { exact: true })).toBeVisible();
      await expect(invoices.getByText(`Invoice ${number}-D`)).toHaveCount(0);
      const downloading = tab.waitForEvent("download");
      await invoices.getByRole("link", { name: `Download PDF of invoice ${number} (` }).click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe("Invoice.pdf");
      await expectAccessible(tab, testInfo, "portal-invoices");
      await saveScreen(tab, testInfo, "portal-invoices");
    });

    await test.step("staff mark it paid; the client sees Paid", async () => {
      const invoices = page.getByRole("region", { name: "Invoices" });
      await invoices.getByRole("button", { name: `Mark as paid: invoice ${number}` }).click();
      await expect(page.getByText("Invoice status saved")).toBeVisible();
      await expect(invoices.getByRole("listitem").filter({ has: page.getByText(`Invoice ${number}`, { exact: true }) }).getByText("Paid", { exact: true })).toBeVisible();
      await tab.reload();
      await settle(tab);
      await expect(tab.getByRole("region", { name: "Invoices" }).getByText("Paid", { exact: true })).toBeVisible();
    });

    await test.step("invited to a second project, the client switches between them", async () => {
      const other = `Payroll ${tag}`;
      const second = await openNewPortal(page, other);
      await settle(page);
      await inviteFromDialog(page, client.name, client.email);
      await acceptInvitation(page, tab, org, other, client.email);
      await tab.goto(`/portal/projects/${project.projectId}`);
      await settle(tab);
      await tab.getByText("Switch project").click();
      const projects = tab.getByRole("navigation", { name: "Your projects" });
      await expect(projects.getByRole("link", { name: projectName })).toHaveAttribute("aria-current", "page");
      await projects.getByRole("link", { name: other }).click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${second.projectId}`);
      await expect(tab.getByRole("heading", { name: other, level: 1 })).toBeVisible();
      await saveScreen(tab, testInfo, "portal-switch-project");
    });
  } finally {
    await ctx.close();
  }
});
