import { expect, test } from "@playwright/test";
import { expectAccessible, settle } from "./helpers";

test("an unknown invitation link explains that it can no longer be used", async ({ page }, testInfo) => {
  await page.goto("/invite/not-a-real-token");
  await settle(page);
  await expect(page.getByRole("heading", { name: "This link can no longer be used" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Continue" })).toHaveCount(0);
  await expectAccessible(page, testInfo, "invite-invalid");
});

test("the staff sign-in page has its fields", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await settle(page);
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toBeVisible();
  await expectAccessible(page, testInfo, "sign-in");
});
