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

// Documents: staff upload a file to a project (a file that is not what its name says is
// refused under the field); the client downloads it in the portal and uploads their own; staff
// see who uploaded what, and delete a document.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("staff upload a document, the client downloads it and uploads their own, staff delete one", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Ledger ${tag}`;
  const projectName = `Year end ${tag}`;
  const client = { name: `Uma ${tag}`, email: `uma-${tag}@example.com` };
  await createOrganization(page, org, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, projectName);
  await settle(page);
  await inviteFromDialog(page, client.name, client.email);

  const ctx = await newClientContext(browser, testInfo);
  try {
    const tab = await ctx.newPage();
    await test.step("the client accepts the invitation", async () => {
      await acceptInvitation(page, tab, org, projectName);
    });

    await test.step("Upload: a .pdf that is not a PDF is refused under the field; a real one is listed", async () => {
      await page.goto(`/projects/${project.projectId}`);
      await settle(page);
      const documents = page.getByRole("region", { name: "Documents" });
      await expect(documents.getByText("No documents yet.")).toBeVisible();
      const file = documents.getByLabel("Upload a document");
      await file.setInputFiles({ name: "Fake.pdf", mimeType: "application/pdf", buffer: Buffer.from("just words") });
      await documents.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForURL((url) => url.searchParams.get("upload") === "not_pdf");
      await settle(page);
      await expect(documents.getByRole("alert")).toHaveText(/This file is not really a PDF/);
      await expect(documents.getByLabel("Upload a document")).toHaveAttribute("aria-invalid", "true");
      await documents.getByLabel("Upload a document").setInputFiles({ name: "Engagement letter.pdf", mimeType: "application/pdf", buffer: PDF });
      await documents.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForURL((url) => url.searchParams.has("uploaded"));
      await settle(page);
      await expect(documents.getByText("Engagement letter.pdf uploaded.")).toBeVisible();
      const item = documents.getByRole("listitem").filter({ hasText: "Engagement letter.pdf" });
      await expect(item.getByText(/PDF · \d+ bytes · Uploaded by Olivia Owner/)).toBeVisible();
      await expectAccessible(page, testInfo, "project-documents");
      await saveScreen(page, testInfo, "project-documents");
    });

    await test.step("the client sees it is new, downloads it and uploads their own", async () => {
      await tab.goto("/portal");
      await settle(tab);
      await expect(tab.getByText("1 new since your last visit")).toBeVisible();
      await tab.getByRole("link", { name: projectName }).click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${project.projectId}`);
      await settle(tab);
      await expect(tab.getByRole("navigation", { name: "Sections of this project" }).getByRole("link", { name: "Documents (1) · 1 new", exact: true })).toBeVisible();
      const documents = tab.getByRole("region", { name: "Documents" });
      const downloading = tab.waitForEvent("download");
      await documents.getByRole("link", { name: "Engagement letter.pdf" }).click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe("Engagement letter.pdf");
      await documents.getByLabel("Upload a document").setInputFiles({ name: "Signed letter.pdf", mimeType: "application/pdf", buffer: PDF });
      await documents.getByRole("button", { name: "Upload", exact: true }).click();
      await tab.waitForURL((url) => url.searchParams.has("uploaded"));
      await settle(tab);
      await expect(documents.getByText("Signed letter.pdf uploaded.")).toBeVisible();
      await expect(documents.getByRole("listitem").filter({ hasText: "Signed letter.pdf" }).getByText(`Uploaded by ${client.name}`)).toBeVisible();
      await expectAccessible(tab, testInfo, "portal-documents");
      await saveScreen(tab, testInfo, "portal-documents");
    });

    await test.step("staff see the client's upload and delete their own document", async () => {
      await page.goto(`/projects/${project.projectId}`);
      await settle(page);
      const documents = page.getByRole("region", { name: "Documents" });
      await expect(documents.getByRole("listitem").filter({ hasText: "Signed letter.pdf" }).getByText(`Uploaded by ${client.name} (client)`)).toBeVisible();
      const letter = documents.getByRole("listitem").filter({ hasText: "Engagement letter.pdf" });
      await letter.getByText("Delete…").click();
      await letter.getByRole("button", { name: "Delete document Engagement letter.pdf" }).click();
      await expect(page.getByText("Document deleted")).toBeVisible();
      await expect(documents.getByRole("link", { name: "Engagement letter.pdf" })).toHaveCount(0);
      await expect(documents.getByRole("link", { name: "Signed letter.pdf" })).toBeVisible();
      await tab.reload();
      await settle(tab);
      await expect(tab.getByRole("region", { name: "Documents" }).getByRole("link", { name: "Engagement letter.pdf" })).toHaveCount(0);
    });
  } finally {
    await ctx.close();
  }
});

test("a customised permission hides documents for one client only; Copy permissions; Remove Customization", async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  const org = `Custom ${tag}`;
  const projectName = `Audit ${tag}`;
  const uma = { name: `Uma ${tag}`, email: `uma-${tag}@example.com` };
  const vic = { name: `Vic ${tag}`, email: `vic-${tag}@example.com` };
  await createOrganization(page, org, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, projectName);
  await settle(page);
  await inviteFromDialog(page, uma.name, uma.email);
  await inviteFromDialog(page, vic.name, vic.email);

  const umaCtx = await newClientContext(browser, testInfo);
  const vicCtx = await newClientContext(browser, testInfo);
  try {
    const umaTab = await umaCtx.newPage();
    const vicTab = await vicCtx.newPage();
    await acceptInvitation(page, umaTab, org, projectName, uma.email);
    await acceptInvitation(page, vicTab, org, projectName, vic.email);
    await page.goto(`/projects/${project.projectId}`);
    await settle(page);
    const documents = page.getByRole("region", { name: "Documents" });
    await documents.getByLabel("Upload a document").setInputFiles({ name: "Audit plan.pdf", mimeType: "application/pdf", buffer: PDF });
    await documents.getByRole("button", { name: "Upload", exact: true }).click();
    await page.waitForURL((url) => url.searchParams.has("uploaded"));
    const portalPath = `/portal/projects/${project.projectId}`;

    await test.step("Customize permissions for this user: Uma loses documents in this project", async () => {
      await page.goto(`/projects/${project.projectId}/portal`);
      await settle(page);
      await page.getByLabel(`More actions for ${uma.name}`, { exact: true }).click();
      await page.getByRole("link", { name: "Customize permissions for this user" }).click();
      await page.waitForURL((url) => url.pathname.endsWith("/permissions"));
      await settle(page);
      await expect(page.getByRole("heading", { name: `Permissions of ${uma.name} in ${projectName}` })).toBeVisible();
      await expect(page.getByText("From their client profile, Default.")).toBeVisible();
      const customize = page.getByRole("region", { name: "Customize permissions for this user" });
      await customize.getByLabel("View documents").uncheck();
      await customize.getByLabel("Upload documents").uncheck();
      await customize.getByRole("button", { name: "Save customization" }).click();
      await expect(page.getByText("Permissions customized")).toBeVisible();
      await expect(page.getByRole("region", { name: "In this project" }).getByText("Customized for this project.")).toBeVisible();
      await expectAccessible(page, testInfo, "customize-permissions");
      await saveScreen(page, testInfo, "customize-permissions");

      await umaTab.goto(portalPath);
      await settle(umaTab);
      await expect(umaTab.getByRole("heading", { name: projectName })).toBeVisible();
      await expect(umaTab.getByRole("region", { name: "Documents" })).toHaveCount(0);
      await vicTab.goto(portalPath);
      await settle(vicTab);
      await expect(vicTab.getByRole("region", { name: "Documents" }).getByRole("link", { name: "Audit plan.pdf" })).toBeVisible();
    });

    await test.step("Copy permissions to Vic, then Remove Customization for Uma", async () => {
      const clone = page.getByRole("region", { name: "Clone Customization" });
      await clone.getByRole("button", { name: "Copy permissions" }).click();
      await expect(clone.getByText("Choose the clients to copy these permissions to.")).toBeVisible();
      await clone.getByLabel(vic.name).check();
      await clone.getByRole("button", { name: "Copy permissions" }).click();
      await expect(page.getByText("Permissions copied to 1 client")).toBeVisible();
      await vicTab.reload();
      await settle(vicTab);
      await expect(vicTab.getByRole("region", { name: "Documents" })).toHaveCount(0);

      await page.getByRole("button", { name: "Remove Customization" }).click();
      await expect(page.getByText("Customization removed. Their client profile applies.")).toBeVisible();
      await expect(page.getByText("From their client profile, Default.")).toBeVisible();
      await umaTab.reload();
      await settle(umaTab);
      await expect(umaTab.getByRole("region", { name: "Documents" }).getByRole("link", { name: "Audit plan.pdf" })).toBeVisible();
    });
  } finally {
    await umaCtx.close();
    await vicCtx.close();
  }
});
