import { expect, test, type Locator, type Page } from "@playwright/test";
import { createOrganization, inviteFromDialog, openNewPortal, settle, uniqueTag } from "./helpers";

/** Tabs `times` times forward (or backward) and checks after each press that the focus is inside `dialog`. */
async function tabAround(page: Page, dialog: Locator, times: number, backward = false): Promise<void> {
  for (let i = 0; i < times; i++) {
    await page.keyboard.press(backward ? "Shift+Tab" : "Tab");
    const inside = await dialog.evaluate((d) => d.contains(document.activeElement));
    expect(inside, `focus left the dialog after ${i + 1} presses`).toBe(true);
  }
}

/** What has the focus, as a person would name it. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return a ? (a.getAttribute("aria-label") ?? a.textContent ?? "").trim() : "";
  });
}

test("dialogs take the focus, keep it inside, close on Escape and give it back to their opener", async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Dialogs ${tag}`, `owner-${tag}@example.com`);
  await openNewPortal(page, `Focus ${tag}`);
  await settle(page);
  await inviteFromDialog(page, `Ada ${tag}`, `ada-${tag}@example.com`);

  await test.step("Invite client, opened from the keyboard", async () => {
    const opener = page.getByRole("link", { name: "Invite client" });
    await opener.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Invite client" });
    await expect(dialog).toBeVisible();
    // The dialog starts at the search for an existing contact.
    await expect(dialog.getByRole("combobox", { name: "Existing contact" })).toBeFocused();
    // Existing contact, Name, Email, Phone, Send invite, Cancel: round and round, both ways.
    await tabAround(page, dialog, 11);
    await tabAround(page, dialog, 11, true);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(opener).toBeFocused();
  });

  const row = page.locator("li").filter({ hasText: `ada-${tag}@example.com`.toLowerCase() });
  const menu = page.getByLabel(`More actions for Ada ${tag}`, { exact: true });
  await test.step("Cancel invite's confirmation, from the row menu by keyboard", async () => {
    await menu.focus();
    await page.keyboard.press("Enter");
    const item = row.getByRole("link", { name: "Cancel invite" });
    await expect(item).toBeVisible();
    await item.focus();
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("alertdialog", { name: `Cancel the invitation for Ada ${tag}?` });
    await expect(confirm).toBeVisible();
    await expect(confirm.getByRole("button", { name: "Cancel invite" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(confirm.getByRole("link", { name: "Keep invitation" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(confirm.getByRole("button", { name: "Cancel invite" })).toBeFocused();
    await page.keyboard.press("Shift+Tab");
    await expect(confirm.getByRole("link", { name: "Keep invitation" })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(confirm).toBeHidden();
    await expect(menu).toBeFocused();
    await expect(row.getByText("Invited", { exact: true })).toBeVisible();
  });

  await test.step("the magic-link dialog, from the row menu by keyboard", async () => {
    // The focus is back on the menu's button: Enter opens the menu again.
    await page.keyboard.press("Enter");
    const item = row.getByRole("button", { name: "Generate magic link" });
    await expect(item).toBeVisible();
    await item.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Magic link for Ada ${tag}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Magic link")).toBeFocused();
    await tabAround(page, dialog, 6);
    await tabAround(page, dialog, 6, true);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(menu).toBeFocused();
    expect(await focused(page)).toBe(`More actions for Ada ${tag}`);
  });

  await test.step("Existing contact: a search picked from by keyboard", async () => {
    await page.goto("/projects/new");
    await settle(page);
    await page.getByLabel("Project name", { exact: true }).fill(`Second ${tag}`);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/portal"));
    await settle(page);
    await page.getByRole("link", { name: "Invite client" }).click();
    const dialog = page.getByRole("dialog", { name: "Invite client" });
    const search = dialog.getByRole("combobox", { name: "Existing contact" });
    await expect(search).toBeFocused();
    await page.keyboard.type("ada", { delay: 80 });
    const options = page.getByRole("listbox", { name: "Contacts" });
    await expect(options.getByRole("option")).toHaveCount(1);
    await expect(search).toHaveAttribute("aria-expanded", "true");
    await page.keyboard.press("ArrowDown");
    await expect(options.getByRole("option").first()).toHaveAttribute("aria-selected", "true");
    await expect(search).toHaveAttribute("aria-activedescendant", "existing-search-option-0");
    await page.keyboard.press("Enter");
    await expect(search).toHaveValue(`Ada ${tag} (ada-${tag}@example.com)`.replace(/\(.*\)/, (m) => m.toLowerCase()));
    await expect(options).toBeHidden();
    await expect(dialog.getByLabel("Name", { exact: true })).toBeHidden();
    await dialog.getByRole("button", { name: "Send invite" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator("li").filter({ hasText: `ada-${tag}@example.com`.toLowerCase() }).getByText("Invited", { exact: true })).toBeVisible();
  });

  await test.step("a bulk confirmation, opened from the keyboard, holds the focus from the start", async () => {
    await page.getByRole("checkbox", { name: "Select all" }).check();
    const resend = page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Resend invite" });
    await resend.focus();
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("alertdialog", { name: "Resend invite" });
    await expect(confirm).toBeVisible();
    // While it counts it has no control yet: the dialog itself holds the focus, so Enter or
    // Tab never reach the bulk buttons behind it.
    await expect.poll(() => confirm.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await expect(confirm.getByRole("button", { name: "Go back" })).toBeVisible();
    await tabAround(page, confirm, 3);
    await page.keyboard.press("Escape");
    await expect(confirm).toBeHidden();
    await expect(resend).toBeFocused();
  });
});
