import { expect, test } from "@playwright/test";
import { createOrganization, createProject, expectAccessible, navTo, saveScreen, settle, uniqueTag, pickName } from "./helpers";

test("a customer with two co-owners: Invite all owners, then Add as guest", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const tag = uniqueTag(testInfo);
  const org = `Customers ${tag}`;
  const project = `Harbour ${tag}`;
  const customer = `Northwind ${tag}`;
  await createOrganization(page, org, `owner-${tag}@example.com`);
  await createProject(page, project);

  let customerPage = "";
  await test.step("add a customer, a mistake first", async () => {
    await navTo(page, "Customers");
    await page.waitForURL((url) => url.pathname === "/customers");
    await settle(page);
    await expect(page.getByText("No customers yet.")).toBeVisible();
    await expectAccessible(page, testInfo, "customers-empty");
    await page.getByRole("link", { name: "Add customer" }).first().click();
    await page.waitForURL((url) => url.pathname === "/customers/new");
    await settle(page);
    await page.getByLabel("Customer name", { exact: true }).fill(customer);
    await page.getByLabel("Web address").fill("not a web address");
    await page.getByRole("button", { name: "Save customer" }).click();
    await expect(page.locator("#customer-website-error")).toBeVisible();
    await expectAccessible(page, testInfo, "add-customer-errors");
    await page.getByLabel("Web address").fill("northwind.example");
    await page.getByLabel("Postal code").fill("EH6 6JJ");
    await page.getByLabel("Individual").check();
    await page.getByLabel(project).check();
    await page.getByRole("button", { name: "Save customer" }).click();
    await page.waitForURL((url) => /^\/customers\/\d+$/.test(url.pathname));
    customerPage = new URL(page.url()).pathname;
    await settle(page);
    await expect(page.getByRole("heading", { name: customer, level: 1 })).toBeVisible();
    await expect(page.getByText("Customer saved.")).toBeVisible();
  });

  await test.step("two co-owners, added from Add client with the customer picked", async () => {
    for (const who of ["ola", "pia"]) {
      await page.goto("/clients/new");
      await settle(page);
      await page.getByLabel("Name", { exact: true }).fill(`${who} ${tag}`);
      await page.getByLabel("Email", { exact: true }).fill(`${who}-${tag}@example.com`);
      await pickName(page, "Customer", customer);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.waitForURL((url) => /^\/clients\/\d+$/.test(url.pathname));
    }
  });

  await test.step("Invite all owners sends two invitations", async () => {
    await page.goto(customerPage);
    await settle(page);
    const owners = page.getByRole("region", { name: "Client users" });
    await expect(owners.getByText("Not invited", { exact: true })).toHaveCount(2);
    await expectAccessible(page, testInfo, "customer-page");
    await page.getByRole("button", { name: "Invite all owners" }).click();
    await expect(page.getByText("Invited 2 owners.")).toBeVisible();
    await expect(owners.getByText("Invited", { exact: true })).toHaveCount(2);
  });

  await test.step("Add as guest invites without another click", async () => {
    const guest = page.getByRole("region", { name: "Add as guest" });
    await guest.getByLabel("Name").fill(`quin ${tag}`);
    await guest.getByLabel("Email").fill(`quin-${tag}@example.com`);
    await guest.getByRole("button", { name: "Add as guest" }).click();
    await expect(page.getByText("Guest added and invited")).toBeVisible();
    const owners = page.getByRole("region", { name: "Client users" });
    await expect(owners.locator("li").filter({ hasText: `quin-${tag}@example.com` }).getByText("Invited", { exact: true })).toBeVisible();
    await saveScreen(page, testInfo, "customer-page");
  });

  await test.step("Add as guest tapped before the script: refused, mended, then the form starts empty", async () => {
    await page.route(/\.wasm$/, (route) => route.abort());
    await page.goto(customerPage);
    const guest = page.getByRole("region", { name: "Add as guest" });
    await guest.getByLabel("Name").fill(`rae ${tag}`);
    await guest.getByLabel("Email").fill("not an address");
    await page.unroute(/\.wasm$/);
    await guest.getByRole("button", { name: "Add as guest" }).click();
    await page.waitForURL((url) => url.search.includes("__err"));
    await settle(page);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(guest.getByLabel("Name")).toHaveValue(`rae ${tag}`);
    await guest.getByLabel("Email").fill(`rae-${tag}@example.com`);
    await guest.getByRole("button", { name: "Add as guest" }).click();
    await expect(page.getByText("Guest added and invited")).toBeVisible();
    // Not back to the refused words: a reset empties the form.
    await expect(guest.getByLabel("Name")).toHaveValue("");
    await expect(guest.getByLabel("Email")).toHaveValue("");
    await page.goto("/mailbox");
    await settle(page);
    await expect(page.getByRole("row").filter({ hasText: `@example.com` }).filter({ hasText: `invited you to ${project}` })).toHaveCount(4);
  });
});
