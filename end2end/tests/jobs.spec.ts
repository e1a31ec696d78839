import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, inviteMany, navTo, openNewPortal, saveScreen, settle, uniqueTag } from "./helpers";

// A bulk action over everyone a Clients page filter matches runs as a job: its page shows a
// progress bar that follows it and the result; the Jobs page lists it.

test("Send login email to all matching clients runs as a job with its progress and result", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Jobs ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Bulk ${tag}`);

  await test.step("60 clients invited through the invite server function", async () => {
    await inviteMany(page, project, 60, (i) => {
      const n = String(i).padStart(2, "0");
      return { name: `Member ${n} ${tag}`, email: `member-${n}-${tag}@example.com` };
    });
  });

  await test.step("Select all 60 matching, Send login email: the job's page follows it to the end", async () => {
    // (The invite dialog is still open from the seeding: straight to the page.)
    await page.goto("/clients");
    await settle(page);
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByRole("button", { name: "Select all 60 matching" }).click();
    await expect(page.getByText("All 60 matching selected")).toBeVisible();
    await page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Send login email" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Send login email" });
    await expect(confirm.getByText("Send 60 login emails.")).toBeVisible();
    await expectAccessible(page, testInfo, "bulk-confirm");
    await saveScreen(page, testInfo, "bulk-confirm");
    await confirm.getByRole("button", { name: "Send login email" }).click();
    await expect(confirm.getByRole("progressbar")).toBeVisible();
    await confirm.getByRole("link", { name: "See details" }).click();
    await page.waitForURL((url) => /^\/jobs\/\d+$/.test(url.pathname));
    await expect(page.getByRole("heading", { name: "Send login email: 60 clients", level: 1 })).toBeVisible();
    await expect(page.getByRole("progressbar")).toBeVisible();
    await expect(page.getByText("Finished: 60 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("progressbar")).toHaveAttribute("value", "60");
    await expect(page.locator(".badge").getByText("Done", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
    await expectAccessible(page, testInfo, "job-finished");
    await saveScreen(page, testInfo, "job-finished");
  });

  await test.step("Resend invite to a filtered selection on Portal access: a job with its progress", async () => {
    await page.goto(project.portal);
    await settle(page);
    await page.getByLabel("Search clients").fill(`Member 1`);
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === "Member 1");
    await settle(page);
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await expect(page.getByText("10 selected")).toBeVisible();
    await page.getByRole("group", { name: "Bulk actions" }).getByRole("button", { name: "Resend invite" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Resend invite" });
    await expect(confirm.getByText("Resend 10 invitations.")).toBeVisible();
    await confirm.getByRole("button", { name: "Resend invite" }).click();
    await expect(confirm.getByRole("progressbar")).toBeVisible();
    await expect(confirm.getByText("Finished: 10 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await saveScreen(page, testInfo, "bulk-resend-finished");
    await confirm.getByRole("button", { name: "Close" }).click();
  });

  await test.step("the Jobs page lists it", async () => {
    await navTo(page, "Jobs");
    await page.waitForURL((url) => url.pathname === "/jobs");
    await settle(page);
    const row = page.getByRole("listitem").filter({ hasText: "Send login email: 60 clients" });
    await expect(row.getByText("Done", { exact: true })).toBeVisible();
    await expect(row.getByText("60 of 60 clients handled")).toBeVisible();
    await expectAccessible(page, testInfo, "jobs");
    await saveScreen(page, testInfo, "jobs");
  });
});

test("Bulk Deactivate, Activate and Send invite say exactly what they will do, then do it", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Bulk ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Deck ${tag}`);
  const name = (i: number) => `Person ${i} ${tag}`;
  await inviteMany(page, project, 3, (i) => ({ name: name(i), email: `person-${i}-${tag}@example.com` }));
  const bar = page.getByRole("group", { name: "Bulk actions" });

  await test.step("Deactivate two ticked clients, the first ticked before the wasm arrived", async () => {
    // The wasm is held back while a row is ticked: hydration must keep the tick.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldBack = 0;
    await page.route("**/*.wasm", async (route) => {
      heldBack += 1;
      await held;
      await route.continue();
    });
    await page.goto("/clients", { waitUntil: "domcontentloaded" });
    await page.getByRole("checkbox", { name: `Select ${name(0)}` }).check();
    // Ticked while the wasm was really held back: nothing counts the tick yet.
    await expect.poll(() => heldBack).toBe(1);
    await expect(page.getByText("1 selected")).toHaveCount(0);
    release();
    await settle(page);
    await page.unroute("**/*.wasm");
    // Said by the wasm only: hydrated, and the tick counted.
    await expect(page.getByText("1 selected")).toBeVisible();
    await expect(page.getByRole("checkbox", { name: `Select ${name(0)}` })).toBeChecked();
    await page.getByRole("checkbox", { name: `Select ${name(1)}` }).check();
    await expect(page.getByText("2 selected")).toBeVisible();
    await bar.getByRole("button", { name: "Deactivate" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Deactivate" });
    await expect(confirm.getByText("Deactivate 2 clients. They are signed out at once.")).toBeVisible();
    await confirm.getByRole("button", { name: "Deactivate" }).click();
    await expect(confirm.getByText("Finished: 2 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await saveScreen(page, testInfo, "bulk-done");
    await confirm.getByRole("button", { name: "Close" }).click();
    await expect(page.getByRole("link", { name: "Deactivated users (2)" })).toBeVisible();
    await expect(page.getByRole("link", { name: name(0) })).toHaveCount(0);
  });

  await test.step("Send invite to someone already invited: nothing to do, and no button to do it", async () => {
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await bar.getByRole("button", { name: "Send invite", exact: true }).click();
    const confirm = page.getByRole("alertdialog", { name: "Send invite" });
    await expect(confirm.getByText("Nothing to do: 1 already invited.")).toBeVisible();
    await expect(confirm.getByRole("button", { name: "Send invite" })).toHaveCount(0);
    await expectAccessible(page, testInfo, "bulk-nothing-to-do");
    await confirm.getByRole("button", { name: "Go back" }).click();
    await expect(confirm).toBeHidden();
  });

  await test.step("Activate both from Deactivated users", async () => {
    await page.getByRole("link", { name: "Deactivated users (2)" }).click();
    await page.waitForURL((url) => url.searchParams.get("view") === "deactivated");
    await settle(page);
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await expect(bar.getByRole("button")).toHaveText(["Activate"]);
    await bar.getByRole("button", { name: "Activate" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Activate" });
    await expect(confirm.getByText("Activate 2 clients.")).toBeVisible();
    await confirm.getByRole("button", { name: "Activate" }).click();
    await expect(confirm.getByText("Finished: 2 done, 0 skipped, 0 failed.")).toBeVisible({ timeout: 30_000 });
    await confirm.getByRole("button", { name: "Close" }).click();
    await expect(page.getByRole("link", { name: "Deactivated users (0)" })).toBeVisible();
    await expect(page.getByText("No deactivated users.")).toBeVisible();
  });
});
