import { defineConfig, devices } from "@playwright/test";
import * as path from "node:path";

// The release server built by `cargo leptos build --release`, with a fresh SQLite database
// under target/e2e on every run. Both projects share this one server and database, so the
// tests use unique e-mail addresses.
const repoRoot = path.resolve(__dirname, "..");
const e2eDir = path.join(repoRoot, "target", "e2e");
const port = 3100;
const baseURL = `http://127.0.0.1:${port}`;

const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

export default defineConfig({
  testDir: "tests",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: "list",
  timeout: 120_000,
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "Desktop Chrome",
      testIgnore: /nojs\.spec\.ts/,
      use: { ...devices["Desktop Chrome"], launchOptions: chromium },
    },
    {
      name: "Pixel 5",
      testIgnore: /nojs\.spec\.ts/,
      use: { ...devices["Pixel 5"], launchOptions: chromium },
    },
    // The core loop as plain HTML forms: what a person gets before the wasm arrives.
    {
      name: "Desktop Chrome, no JavaScript",
      testMatch: /nojs\.spec\.ts/,
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, javaScriptEnabled: false },
    },
    {
      name: "Pixel 5, no JavaScript",
      testMatch: /nojs\.spec\.ts/,
      use: { ...devices["Pixel 5"], launchOptions: chromium, javaScriptEnabled: false },
    },
  ],
  webServer: {
    // `$$` is the shell's pid; `exec` keeps it for the server, so scripts/test.sh can stop a
    // leftover server by that pid.
    command:
      `mkdir -p "${e2eDir}" && rm -f "${e2eDir}"/e2e.db* "${e2eDir}/server.stderr" && echo $$ > "${e2eDir}/server.pid" && ` +
      // Logs go to stdout (shown here); stderr is kept for scripts/test.sh, which fails the
      // run when the server panicked, even in a task no test was waiting on.
      `exec "${path.join(repoRoot, "target", "release", "portico")}" serve 2>"${e2eDir}/server.stderr"`,
    cwd: repoRoot,
    url: `${baseURL}/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${e2eDir}/e2e.db`,
      PORTICO_DATA_DIR: e2eDir,
      PORTICO_OPEN_SIGNUP: "true",
      PUBLIC_URL: baseURL,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(repoRoot, "target", "site"),
      LEPTOS_OUTPUT_NAME: "portico",
      LEPTOS_SITE_PKG_DIR: "pkg",
      RUST_LOG: process.env.RUST_LOG ?? "info",
    },
  },
});
