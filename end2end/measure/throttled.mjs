// Time until a person on a Pixel 5 over slow 4G can use the invitation landing page's
// "Continue" and "Invite client" on a project's Portal access page, the bytes of wasm the
// browser received, and all the bytes of each first load (HTML, CSS, JS, wasm).
// Prints the figures; run by scripts/measure.sh against a release server it starts.
//
//   node end2end/measure/throttled.mjs <base URL of a fresh release server>
//
// It first sets up, unthrottled and through the UI: an organization, a project, one invited
// client (the invitation link is read from the Mailbox).
//
// Network: Chrome DevTools' "Slow 4G" preset (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up);
// CPU slowed 4× (Lighthouse's mobile setting). Caches are cold for every run (a new context).
// "Usable" means the control would act on a tap: the form is on the page (forms work before
// the wasm arrives), and for controls that need the wasm, the page has hydrated.
import { chromium, devices } from "@playwright/test";

const [base] = process.argv.slice(2);
if (!base) {
  console.error("usage: node throttled.mjs <base URL>");
  process.exit(2);
}
const RUNS = Number(process.env.RUNS ?? 3);
const slow4g = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

const tag = Date.now();
const email = `measure-${tag}@example.com`;
const password = "correct-horse-battery-staple";
const hydrated = (page) => page.waitForFunction(() => document.documentElement.dataset.hydrated === "true", null, { timeout: 120_000 });

/** Organization, project and one invited client, through the UI at full speed. */
async function seed() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const ready = async () => {
    await page.waitForLoadState("networkidle");
    await hydrated(page);
  };
  await page.goto(base + "/setup");
  await ready();
  await page.getByLabel("Organization name", { exact: true }).fill(`Measure ${tag}`);
  await page.getByLabel("Your name", { exact: true }).fill("Mia Measure");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto(base + "/projects/new");
  await ready();
  await page.getByLabel("Project name", { exact: true }).fill("Kitchen");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname));
  await ready();
  await page.getByRole("link", { name: "Manage portal" }).click();
  await page.waitForURL((url) => url.pathname.endsWith("/portal"));
  const portalAccess = new URL(page.url()).pathname;
  await ready();
  await page.getByRole("link", { name: "Invite client" }).or(page.getByRole("button", { name: "Invite client" })).first().click();
  const dialog = page.getByRole("dialog", { name: "Invite client" });
  await dialog.getByLabel("Name", { exact: true }).fill("Cleo Client");
  await dialog.getByLabel("Email", { exact: true }).fill(`cleo-${tag}@example.com`);
  await dialog.getByRole("button", { name: "Send invite" }).click();
  await page.waitForTimeout(1500);
  await page.goto(base + "/mailbox");
  await ready();
  await page.getByRole("link", { name: "Mia Measure invited you to Kitchen" }).first().click();
  await page.waitForURL((url) => /^\/mailbox\/\d+$/.test(url.pathname));
  await ready();
  const href = await page.locator('a[href*="/invite/"]').first().getAttribute("href");
  await context.close();
  return { invitation: new URL(href).pathname, portalAccess };
}

const { invitation, portalAccess } = await seed();

async function throttledPage(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", slow4g);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  // `total`: every byte the page received (HTML, CSS, JS, wasm, data), as sent on the wire.
  const wasm = { bytes: 0, total: 0, encoding: "", cache: "", files: [] };
  const urls = new Map();
  cdp.on("Network.responseReceived", (e) => {
    if (e.response.url.endsWith(".wasm")) {
      urls.set(e.requestId, true);
      wasm.files.push(new URL(e.response.url).pathname);
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      wasm.encoding = h["content-encoding"] ?? "none";
      wasm.cache = h["cache-control"] ?? "none";
    }
  });
  cdp.on("Network.loadingFinished", (e) => {
    if (urls.has(e.requestId)) wasm.bytes += e.encodedDataLength;
    wasm.total += e.encodedDataLength;
  });
  return { page, wasm };
}

/** Milliseconds from navigation start until `ready(page)` resolves. */
async function timeUntil(page, path, ready) {
  const started = Date.now();
  await page.goto(base + path, { waitUntil: "commit", timeout: 120_000 });
  await ready(page);
  return Date.now() - started;
}

const results = { landing: [], landingHydrated: [], dashboard: [], wasmBytes: [], landingTotal: [], landingWasm: [], portalWasmBytes: [], portalTotal: [], encoding: "", cache: "" };
for (let run = 0; run < RUNS; run++) {
  // The invitation landing page, as the client opens it from the email.
  {
    const context = await browser.newContext({ ...devices["Pixel 5"] });
    const { page, wasm } = await throttledPage(context);
    results.landing.push(
      await timeUntil(page, invitation, async (p) => {
        // A plain form: a tap submits it with or without the wasm.
        await p.locator('form[action^="/api/"] button', { hasText: "Continue" }).waitFor({ state: "visible", timeout: 120_000 });
      }),
    );
    await hydrated(page);
    results.landingHydrated.push(Date.now() - (await page.evaluate(() => performance.timeOrigin)));
    results.wasmBytes.push(wasm.bytes);
    results.landingTotal.push(wasm.total);
    results.landingWasm = wasm.files;
    results.encoding = wasm.encoding;
    results.cache = wasm.cache;
    await context.close();
  }
  // Portal access, signed in, until "Invite client" acts on a tap.
  {
    // Signed in elsewhere; only the session cookie comes along, so the cache is cold.
    const signInContext = await browser.newContext({ ...devices["Pixel 5"] });
    const signIn = await signInContext.newPage();
    await signIn.goto(base + "/sign-in");
    await signIn.getByLabel("Email", { exact: true }).fill(email);
    await signIn.getByLabel("Password", { exact: true }).fill(password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await signIn.waitForURL((url) => url.pathname === "/");
    const { cookies } = await signInContext.storageState();
    await signInContext.close();
    const context = await browser.newContext({ ...devices["Pixel 5"], storageState: { cookies, origins: [] } });
    const { page, wasm } = await throttledPage(context);
    results.dashboard.push(
      await timeUntil(page, portalAccess, async (p) => {
        await p.getByRole("link", { name: "Invite client" }).or(p.getByRole("button", { name: "Invite client" })).first().waitFor({ state: "visible", timeout: 120_000 });
        // A link works on a tap at once; a button needs the wasm.
        const isLink = await p.getByRole("link", { name: "Invite client" }).count();
        if (!isLink) await hydrated(p);
      }),
    );
    // The wasm a staff page needs: all of it has arrived once the page has hydrated.
    await hydrated(page);
    results.portalWasmBytes.push(wasm.bytes);
    results.portalTotal.push(wasm.total);
    await context.close();
  }
}
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Pixel 5, slow 4G (150 ms, 1.6 Mbit/s), CPU 4× slower, cold cache, ${RUNS} runs, median:`);
console.log(`  invitation landing: Continue usable after ${median(results.landing)} ms (page hydrated after ${Math.round(median(results.landingHydrated))} ms)`);
console.log(`  portal access: Invite client usable after ${median(results.dashboard)} ms`);
// The bytes of wasm each page receives: a client page loads the client's bundle, Portal access
// the front desk's (README "Bundles by area").
const kb = (xs) => (median(xs) / 1024).toFixed(1);
console.log(`  wasm transferred: invitation landing ${kb(results.wasmBytes)} KB (${results.landingWasm.join(", ")}), portal access ${kb(results.portalWasmBytes)} KB (Content-Encoding: ${results.encoding}; Cache-Control: ${results.cache})`);
// The client portal's first load, everything on the wire (goal: at most 200 KB).
console.log(`  first load, all bytes received: invitation landing ${kb(results.landingTotal)} KB (goal ≤ 200 KB), portal access ${kb(results.portalTotal)} KB`);
