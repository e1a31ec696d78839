import { expect, test } from "@playwright/test";
import { createOrganization, expectAccessible, navTo, saveScreen, settle, uniqueTag, pickName } from "./helpers";

test("a project billed by staff hours: a client with a rate, a customer added inside the forms, the dashboard filtered by customer", async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  const project = `Advisory ${tag}`;
  const customer = `Northwind ${tag}`;
  const name = `Rae Hart ${tag}`;
  await createOrganization(page, `Rates ${tag}`, `owner-${tag}@example.com`);

  let projectPath = "";
  await test.step("New project: a new customer named in the form, billed by staff hours", async () => {
    await page.goto("/projects/new");
    await settle(page);
    await expect(page.getByLabel("New customer name")).toBeHidden();
    await page.getByLabel("Project name", { exact: true }).fill(project);
    await page.getByText("Add a new customer", { exact: true }).click();
    await expect(page.getByLabel("New customer name")).toBeVisible();
    await page.getByLabel("New customer name").fill(customer);
    await page.getByLabel("Staff hours").check();
    await expectAccessible(page, testInfo, "new-project");
    await saveScreen(page, testInfo, "new-project");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
    projectPath = new URL(page.url()).pathname;
    await settle(page);
    await expect(page.getByText(`Customer: ${customer}`)).toBeVisible();
    await expect(page.getByLabel("Staff hours")).toBeChecked();
  });

  let clientPath = "";
  await test.step("Add client from Portal access: the project comes ticked, its Rate per hour is checked", async () => {
    await page.getByRole("link", { name: "Manage portal" }).click();
    await page.waitForURL((url) => url.pathname === `${projectPath}/portal`);
    await settle(page);
    await page.getByRole("link", { name: "Add client" }).click();
    await page.waitForURL((url) => url.pathname === "/clients/new");
    await settle(page);
    const pick = page.locator(".project-pick").filter({ hasText: project });
    await expect(pick.getByRole("checkbox")).toBeChecked();
    const rate = pick.getByLabel("Rate per hour");
    await expect(rate).toBeVisible();
    // Unticked, the rate goes out of sight; ticked again, it is back.
    await pick.getByRole("checkbox").uncheck();
    await expect(rate).toBeHidden();
    await pick.getByRole("checkbox").check();
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Email", { exact: true }).fill(`rae-${tag}@example.com`);
    await pickName(page, "Customer", customer);
    await rate.fill("twelve");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.locator("#client-rates-error")).toContainText("Enter each rate per hour as an amount");
    await expectAccessible(page, testInfo, "add-client-rate-error");
    await rate.fill("120");
    await saveScreen(page, testInfo, "add-client-rate");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    clientPath = new URL(page.url()).pathname;
    await settle(page);
    await expect(page.getByText("Rate per hour: 120.00")).toBeVisible();
    await expect(page.getByRole("link", { name: customer })).toBeVisible();
    await expectAccessible(page, testInfo, "client-with-rate");
  });

  await test.step("Edit changes the rate", async () => {
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.waitForURL((url) => url.pathname === `${clientPath}/edit`);
    await settle(page);
    const rate = page.locator(".project-pick").filter({ hasText: project }).getByLabel("Rate per hour");
    await expect(rate).toHaveValue("120.00");
    await rate.fill("95.50");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL((url) => url.pathname === clientPath);
    await settle(page);
    await expect(page.getByText("Rate per hour: 95.50")).toBeVisible();
  });

  await test.step("the dashboard's Customer filter", async () => {
    await page.goto("/clients/new");
    await settle(page);
    await page.getByLabel("Name", { exact: true }).fill(`Ola ${tag}`);
    await page.getByLabel("Email", { exact: true }).fill(`ola-${tag}@example.com`);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    await navTo(page, "Dashboard");
    await page.waitForURL((url) => url.pathname === "/");
    await settle(page);
    const clients = page.locator("section").filter({ has: page.getByRole("heading", { name: "Clients" }) });
    await expect(clients.getByRole("link", { name: `Ola ${tag}` })).toBeVisible();
    await pickName(clients, "Customer", customer);
    await clients.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.has("customer"));
    await settle(page);
    await expect(clients.getByRole("link", { name })).toBeVisible();
    await expect(clients.getByRole("link", { name: `Ola ${tag}` })).toHaveCount(0);
    await expectAccessible(page, testInfo, "dashboard-by-customer");
    await saveScreen(page, testInfo, "dashboard-by-customer");
  });
});

test("Add client with a new customer and a rate, Edit and Save billing work before and without the wasm", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const tag = uniqueTag(testInfo);
  const project = `Hours ${tag}`;
  await createOrganization(page, `No script ${tag}`, `owner-${tag}@example.com`);
  await page.goto("/projects/new");
  await settle(page);
  await page.getByLabel("Project name", { exact: true }).fill(project);
  await page.getByLabel("Staff hours").check();
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
  const projectPath = new URL(page.url()).pathname;

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
    await ctx.addCookies(await page.context().cookies());
    const staff = await ctx.newPage();
    await staff.goto("/clients/new");
    await staff.getByLabel("Name", { exact: true }).fill(`Ned ${tag}`);
    await staff.getByLabel("Email", { exact: true }).fill(`ned-${tag}@example.com`);
    await staff.getByText("Add a new customer", { exact: true }).click();
    await staff.getByLabel("New customer name").fill(`Fabrikam ${tag}`);
    const pick = staff.locator(".project-pick").filter({ hasText: project });
    await pick.getByRole("checkbox").check();
    await pick.getByLabel("Rate per hour").fill("80");
    await staff.getByRole("button", { name: "Save", exact: true }).click();
    await staff.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    await expect(staff.getByText("Rate per hour: 80.00")).toBeVisible();
    await expect(staff.getByRole("link", { name: `Fabrikam ${tag}` })).toBeVisible();
    const clientPath = new URL(staff.url()).pathname;

    // Edit, still without the wasm: the rate changes.
    await staff.getByRole("link", { name: "Edit", exact: true }).click();
    await staff.waitForURL((url) => url.pathname === `${clientPath}/edit`);
    const rate = staff.locator(".project-pick").filter({ hasText: project }).getByLabel("Rate per hour");
    await expect(rate).toHaveValue("80.00");
    await rate.fill("95.50");
    await staff.getByRole("button", { name: "Save changes" }).click();
    await staff.waitForURL((url) => url.pathname === clientPath);
    await expect(staff.getByText("Rate per hour: 95.50")).toBeVisible();

    // Save billing on the project page: the project becomes Fixed fee.
    await staff.goto(projectPath);
    await expect(staff.getByLabel("Staff hours")).toBeChecked();
    await staff.getByLabel("Fixed fee").check();
    await staff.getByRole("button", { name: "Save billing" }).click();
    await staff.waitForURL((url) => url.pathname === projectPath);
    await expect(staff.getByLabel("Fixed fee")).toBeChecked();
    await staff.reload();
    await expect(staff.getByLabel("Fixed fee")).toBeChecked();

    // The Clients page's Customer box, still without the wasm: part of the name, in any
    // case, is settled on the server to the one customer it names.
    await staff.goto("/clients");
    await staff.getByRole("combobox", { name: "Customer", exact: true }).fill("fabrikam");
    await staff.getByRole("button", { name: "Search" }).click();
    await staff.waitForURL((url) => url.searchParams.get("customer_name") === "fabrikam");
    await expect(staff.getByRole("combobox", { name: "Customer", exact: true })).toHaveValue(`Fabrikam ${tag}`);
    await expect(staff.getByRole("link", { name: `Ned ${tag}` })).toBeVisible();
    await expect(staff.getByText("Showing 1 of 1 client")).toBeVisible();
    // Words naming no customer: said under the box, and nobody listed.
    await staff.getByRole("combobox", { name: "Customer", exact: true }).fill("Umbrella");
    await staff.getByRole("button", { name: "Search" }).click();
    await staff.waitForURL((url) => url.searchParams.get("customer_name") === "Umbrella");
    await expect(staff.getByText("No customer is named like \u201cUmbrella\u201d.")).toBeVisible();
    await expect(staff.getByRole("link", { name: `Ned ${tag}` })).toHaveCount(0);
  } finally {
    await ctx.close();
  }
});
