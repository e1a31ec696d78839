import { expect, test } from "@playwright/test";
import {
  createOrganization,
  expectAccessible,
  newClientContext,
  openNewPortal,
  readCodeFromMailbox,
  saveScreen,
  settle,
  uniqueTag,
} from "./helpers";

// Tasks: staff create one on the project page with Add new client; the new client receives one
// invitation that names the task, accepts it, finds the task in their portal and completes it
// with a comment; staff see it completed.

test("a task with Add new client invites once, the client completes it, staff see who and when", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const org = `Tasks ${tag}`;
  const client = { name: `Tia ${tag}`, email: `tia-${tag}@example.com` };
  await createOrganization(page, org, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Year end ${tag}`);

  await test.step("Create task: errors next to their fields, then the task in the list", async () => {
    await page.goto(`/projects/${project.projectId}`);
    await settle(page);
    const tasks = page.getByRole("region", { name: "Tasks" });
    await expect(tasks.getByText("No tasks yet.")).toBeVisible();
    await tasks.getByText("New task").click();
    await tasks.getByLabel("Assignee").fill(client.email);
    await tasks.getByRole("button", { name: "Create task" }).click();
    await expect(tasks.getByText("Enter a title.")).toBeVisible();
    await tasks.getByLabel("Title").fill("Sign the engagement letter");
    await tasks.getByRole("button", { name: "Create task" }).click();
    await expect(tasks.getByText("No client of this project has this email. Use Add new client to add them, or leave it empty.")).toBeVisible();
    await expect(tasks.getByText("Enter a title.")).toBeHidden();
    // The composer's toast says the latest answer only: the first refusal's is gone at once
    // (read once, not waited for: a toast leaves by itself after 5 s).
    const toasts = page.locator(".toasts .toast");
    expect(await toasts.allTextContents()).toEqual([
      "No client of this project has this email. Use Add new client to add them, or leave it empty.",
    ]);
    await expect(toasts).toHaveClass(/toast-error/);
    await tasks.getByLabel("Description").fill("Print, sign, scan.\nOr sign it online.");
    await tasks.getByLabel("Due date").fill("2030-01-31");
    await tasks.getByText("Add new client", { exact: true }).click();
    await tasks.getByLabel("New client's name").fill(client.name);
    await expectAccessible(page, testInfo, "task-composer");
    await saveScreen(page, testInfo, "task-composer");
    await tasks.getByRole("button", { name: "Create task" }).click();
    const row = tasks.getByRole("listitem").filter({ hasText: "Sign the engagement letter" });
    await expect(row).toBeVisible();
    await expect(row.getByText(`For ${client.name} · Due 31 Jan 2030`)).toBeVisible();
    await expect(row.getByText("Open", { exact: true })).toBeVisible();
    await expect(tasks.getByText("1 open · 1 in all")).toBeVisible();
    expect(await toasts.allTextContents()).toEqual(["Task created"]);
    await expectAccessible(page, testInfo, "project-tasks");
    await saveScreen(page, testInfo, "project-tasks");
  });

  await test.step("one invitation names the task; the client accepts, sees it on the project card and completes it", async () => {
    const ctx = await newClientContext(browser, testInfo);
    try {
      await page.goto("/mailbox");
      await settle(page);
      const invitations = page.getByRole("row").filter({ hasText: client.email }).filter({ hasText: "invited you" });
      await expect(invitations).toHaveCount(1);
      await expect(invitations.getByText(`invited you to Year end ${tag}: Sign the engagement letter`)).toBeVisible();
      await invitations.getByRole("link").first().click();
      await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
      await settle(page);
      await expect(page.getByText(/asked you to:\s+- Sign the engagement letter \(due 31 January 2030\)/).first()).toBeVisible();
      const href = (await page.getByRole("list", { name: "Links in this message" }).locator('a[href*="/invite/"]').first().getAttribute("href")) ?? "";
      const tab = await ctx.newPage();
      await tab.goto(new URL(href).pathname);
      await settle(tab);
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.waitForURL((url) => url.pathname === "/portal/verify");
      await settle(tab);
      const code = await readCodeFromMailbox(page, org);
      await tab.getByLabel("6-digit code").fill(code);
      await tab.getByRole("button", { name: "Verify" }).click();
      await tab.waitForURL((url) => url.pathname === "/portal");
      await settle(tab);
      await expect(tab.getByText("1 task to do")).toBeVisible();
      await tab.getByRole("link", { name: `Year end ${tag}` }).click();
      await tab.waitForURL((url) => url.pathname === `/portal/projects/${project.projectId}`);
      await settle(tab);
      const tasks = tab.getByRole("region", { name: "Tasks" });
      const row = tasks.getByRole("listitem").filter({ hasText: "Sign the engagement letter" });
      await expect(row.getByText("Due 31 Jan 2030")).toBeVisible();
      await expectAccessible(tab, testInfo, "portal-tasks");
      await saveScreen(tab, testInfo, "portal-tasks");
      await row.getByLabel("Comment on “Sign the engagement letter” (optional)").fill("Signed and uploaded.");
      // A program is refused under the file box; the task stays open.
      const file = row.getByLabel("Attach a file to “Sign the engagement letter” (optional)");
      await file.setInputFiles({ name: "setup.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ\x90\x00") });
      await row.getByRole("button", { name: "Complete" }).click();
      await tab.waitForURL((url) => url.searchParams.get("complete_problem") === "file_not_accepted");
      await settle(tab);
      await expect(row.getByRole("alert")).toHaveText(/This kind of file is not accepted/);
      await expect(row.getByLabel("Attach a file to “Sign the engagement letter” (optional)")).toBeFocused();
      // What was typed is still there: only the file is chosen again.
      await expect(row.getByLabel("Comment on “Sign the engagement letter” (optional)")).toHaveValue("Signed and uploaded.");
      await row.getByLabel("Attach a file to “Sign the engagement letter” (optional)").setInputFiles({ name: "Signed letter.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
      await row.getByRole("button", { name: "Complete" }).click();
      await tab.waitForURL((url) => url.searchParams.has("completed"));
      await settle(tab);
      await expect(tasks.getByRole("status").filter({ hasText: "Task completed: Sign the engagement letter." })).toBeVisible();
      await expect(row.getByText("Completed", { exact: true })).toBeVisible();
      await expect(row.getByRole("link", { name: "Signed letter.pdf" })).toBeVisible();
      await expect(tasks.getByText("Nothing to do right now.")).toBeVisible();
      await expect(row.getByRole("button", { name: "Complete" })).toHaveCount(0);
      await saveScreen(tab, testInfo, "portal-task-completed");
    } finally {
      await ctx.close();
    }
  });

  await test.step("staff see it completed, by whom, with the comment and the file", async () => {
    await page.goto(`/projects/${project.projectId}`);
    await settle(page);
    const row = page.getByRole("region", { name: "Tasks" }).getByRole("listitem").filter({ hasText: "Sign the engagement letter" });
    await expect(row.getByText("Completed", { exact: true })).toBeVisible();
    await expect(row.getByText(new RegExp(`^Completed .* by ${client.name}$`))).toBeVisible();
    await expect(row.getByText("Signed and uploaded.")).toBeVisible();
    const downloading = page.waitForEvent("download");
    await row.getByRole("link", { name: "Signed letter.pdf" }).click();
    expect((await downloading).suggestedFilename()).toBe("Signed letter.pdf");
    await expect(page.getByText("0 open · 1 in all")).toBeVisible();
  });

  await test.step("Assign and send: two new tasks to the client in one email", async () => {
    const tasks = page.getByRole("region", { name: "Tasks" });
    for (const title of ["Send the bank letters", "Upload receipts"]) {
      await tasks.getByText("New task").click();
      // The composer starts empty after the task before.
      await expect(tasks.getByLabel("Title")).toHaveValue("");
      await tasks.getByLabel("Title").fill(title);
      await tasks.getByRole("button", { name: "Create task" }).click();
      await expect(tasks.getByRole("listitem").filter({ hasText: title })).toBeVisible();
    }
    // Nothing chosen: said next to the button.
    await tasks.getByRole("button", { name: "Assign and send" }).click();
    await expect(tasks.getByText("Choose the tasks to send.")).toBeVisible();
    await tasks.getByLabel("Select “Send the bank letters”").check();
    await tasks.getByLabel("Select “Upload receipts”").check();
    await tasks.getByLabel("Assign to (optional)").fill(client.email);
    await expectAccessible(page, testInfo, "assign-and-send");
    await saveScreen(page, testInfo, "assign-and-send");
    await tasks.getByRole("button", { name: "Assign and send" }).click();
    await expect(page.getByText("Sent 2 tasks to 1 client.")).toBeVisible();
    await expect(tasks.getByRole("listitem").filter({ hasText: "Upload receipts" }).getByText(`For ${client.name}`)).toBeVisible();
    await page.goto("/mailbox");
    await settle(page);
    await expect(page.getByRole("row").filter({ hasText: client.email }).filter({ hasText: `sent you 2 tasks in Year end ${tag}` })).toHaveCount(1);
  });
});

test("after a refusal without the wasm, a later success with it leaves no old error in the address", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = uniqueTag(testInfo);
  await createOrganization(page, `Refused ${tag}`, `owner-${tag}@example.com`);
  const project = await openNewPortal(page, `Payroll ${tag}`);
  const tasks = page.getByRole("region", { name: "Tasks" });

  await test.step("the tap comes before the wasm: the plain form is refused, its error in the address", async () => {
    await page.route(/\.wasm$/, (route) => route.abort());
    await page.goto(`/projects/${project.projectId}`);
    await tasks.getByText("New task").click();
    await tasks.getByRole("button", { name: "Create task" }).click();
    await page.waitForURL((url) => url.search.includes("__err"));
    await expect(tasks.getByText("Enter a title.")).toBeVisible();
  });

  await test.step("with the wasm, the next try succeeds and the old error leaves the address", async () => {
    await page.unroute(/\.wasm$/);
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(tasks.getByText("Enter a title.")).toBeVisible();
    await tasks.getByLabel("Title").fill("Send the P60s");
    await tasks.getByRole("button", { name: "Create task" }).click();
    await expect(tasks.getByRole("listitem").filter({ hasText: "Send the P60s" })).toBeVisible();
    await expect(page).toHaveURL((url) => url.pathname === `/projects/${project.projectId}` && !url.search.includes("__"));
    // A reload shows the page as it is now, not the refusal before.
    await page.reload();
    await settle(page);
    await expect(tasks.getByRole("listitem").filter({ hasText: "Send the P60s" })).toBeVisible();
    await expect(tasks.getByText("Enter a title.")).toBeHidden();
  });
});
