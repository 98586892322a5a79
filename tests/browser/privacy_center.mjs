// Drives Debian's Chromium through the Privacy Center of a running privacyd (started, with an
// SMTP sink, by test_privacy_center.py, which passes):
//   BASE_URL       the daemon, e.g. http://127.0.0.1:41234 (also its public_url)
//   CONTROL_URL    the test's helper: GET /code?to=ADDRESS&after=N (the code of the first mail to
//                  ADDRESS among those after the first N), GET /count (mails so far)
//   AGENT_TOKEN    a support agent's API token, to start and complete requests as staff would
//   OFFICER_TOKEN, CHANGED_POLICY   a privacy officer's token and a materially changed policy,
//                  whose notice mail brings an unsubscribe link (/u/) to open in the browser
//   ARTIFACTS_DIR  where screenshots and the downloaded package go
// Every page is checked with axe-core (WCAG 2.1 A and AA) in en, de and fr; the flows are an
// access request (code from the mail, second confirmation, download), a complaint, a
// portability request with the address of another service, and the
// Preference Center. Waits are on selectors and responses only. Prints one JSON line with what
// the Python side checks further (the package) and reports (page weight and timing).
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as harness from "./browser_harness.mjs";

const { browser, open, axe } = harness;
const { BASE_URL, CONTROL_URL, AGENT_TOKEN, OFFICER_TOKEN, CHANGED_POLICY, ARTIFACTS_DIR } = process.env;
const LANGS = ["en", "de", "fr"];
const PAGES = ["", "statement", "request", "request/verify", "request/status", "preferences"];
const log = (...args) => console.error("browser:", ...args);
mkdirSync(ARTIFACTS_DIR, { recursive: true });

// A fresh context that accepts downloads (the access package), in `locale`.
const newContext = (locale = "en-US") => harness.newContext({ locale, acceptDownloads: true });

async function control(pathAndQuery) {
  const res = await fetch(CONTROL_URL + pathAndQuery);
  const text = await res.text();
  assert.equal(res.status, 200, pathAndQuery + ": " + text);
  return text.trim();
}
const mailCount = async () => Number(await control("/count"));
const codeFor = async (to, after) => control(`/code?to=${encodeURIComponent(to)}&after=${after}`);

async function staff(requestId, action) {
  const res = await fetch(`${BASE_URL}/v1/admin/requests/${requestId}/transition`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + AGENT_TOKEN },
    body: JSON.stringify({ action }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${action}: ${text}`);
  return JSON.parse(text);
}

const messagesOf = async (page) =>
  JSON.parse(await page.textContent("#messages"));

const result = { checked: [], performance: [] };

// --- every page in every language: axe, language, headers, the language switch -------------
{
  const context = await newContext();
  const page = await context.newPage();
  for (const lang of LANGS) {
    for (const p of PAGES) {
      const response = await open(page, `/privacy/${lang}/${p}`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      const headers = response.headers();
      // The stylesheet and script are inline, and the policy allows exactly those bytes.
      const [style, script] = await page.evaluate(() =>
        [document.querySelector("style").textContent, document.querySelector("script[type=module]").textContent]);
      const sha = (text) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
      assert.equal(headers["content-security-policy"],
        `default-src 'none'; script-src 'self' ${sha(script)}; style-src 'self' ${sha(style)}; img-src 'self'; ` +
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      assert.equal(headers["referrer-policy"], "no-referrer");
      assert.equal(headers["x-content-type-options"], "nosniff");
      assert.equal(await page.getAttribute(`.langs a[data-lang=${lang}]`, "aria-current"), "true");
      await axe(page, `/privacy/${lang}/${p}`);
      result.checked.push(`/privacy/${lang}/${p}`);
      if (lang !== "en" || p === "") {
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${lang}-${p.replaceAll("/", "-") || "home"}.png`), fullPage: true });
      }
    }
  }
  for (const lang of ["en", "fr"]) {
    // The switch keeps the page: from German statement to the French one, by keyboard.
    await open(page, `/privacy/de/statement`);
    await page.focus(`.langs a[data-lang=${lang}]`);
    await Promise.all([page.waitForURL(`${BASE_URL}/privacy/${lang}/statement`), page.keyboard.press("Enter")]);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await page.getAttribute("html", "lang"), lang);
  }
  // The statement is rendered into the page, with its version list.
  assert.ok((await page.locator(".statement h1, .statement h2").count()) > 0, "statement rendered");
  assert.equal(await page.locator("ul.versions li").count(), 1);
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- the dark colour scheme passes the same checks (contrast above all) ---------------------
{
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  for (const p of PAGES) {
    await open(page, `/privacy/en/${p}`);
    await axe(page, `/privacy/en/${p} (dark)`);
    result.checked.push(`/privacy/en/${p} (dark)`);
  }
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "en-preferences-dark.png"), fullPage: true });
  await context.close();
}

// --- an access request, end to end, by keyboard ----------------------------------------------
{
  const context = await newContext();
  const page = await context.newPage();
  const address = process.env.ACCESS_ADDRESS;
  await open(page, "/privacy/en/request");
  // The first Tab reaches the skip link, which shows itself with a visible focus ring; Enter
  // moves the focus to the main content.
  await page.keyboard.press("Tab");
  const skip = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return [el.className, el.getBoundingClientRect().left >= 0, style.outlineStyle, style.outlineWidth];
  });
  assert.deepEqual(skip, ["skip", true, "solid", "3px"]);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const el = document.activeElement;
    return [el.id, getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth];
  });
  assert.deepEqual(ring, ["r-access", "solid", "3px"]);
  // Errors first: nothing chosen, no address. Each is announced and tied to its field.
  await page.focus("button[type=submit]");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".errors:not([hidden])");
  const m = await messagesOf(page);
  assert.equal(await page.getAttribute(".errors", "role"), "alert");
  assert.equal(await page.textContent("#rights-error"), m["error.rights_required"]);
  assert.equal(await page.textContent("#email-error"), m["error.email_required"]);
  assert.equal(await page.getAttribute("#email", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#email", "aria-describedby"), /\bemail-error\b/);
  assert.equal(await page.evaluate(() => document.activeElement.className), "errors");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "en-request-errors.png"), fullPage: true });
  await axe(page, "request form with errors");

  await page.focus("#r-access");
  await page.keyboard.press("Space");
  await page.focus("#email");
  await page.keyboard.type(address);
  await page.keyboard.press("Tab");
  await page.keyboard.type("de");
  let before = await mailCount();
  await Promise.all([page.waitForURL(/\/privacy\/en\/request\/verify\?id=req_/), page.keyboard.press("Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  const requestId = new URL(page.url()).searchParams.get("id");
  const code = await codeFor(address, before);

  // A wrong code: the error is announced and tied to the code field.
  await page.fill("#code", code === "000000" ? "111111" : "000000");
  await Promise.all([page.waitForResponse((r) => r.url().endsWith("/privacy/session/request")), page.press("#code", "Enter")]);
  await page.waitForSelector("#code-error:not([hidden])");
  assert.equal(await page.textContent("#code-error"), m["problem.invalid_code"]);
  assert.equal(await page.getAttribute("#code", "aria-invalid"), "true");
  await axe(page, "verify with an error");

  await page.fill("#code", code);
  await Promise.all([page.waitForURL(`${BASE_URL}/privacy/en/request/status`), page.press("#code", "Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("#status:not([hidden])");
  assert.equal(await page.textContent("#s-id"), requestId);
  assert.equal(await page.textContent("#s-state"), m["state.verified"]);
  assert.match(await page.getAttribute("#s-due time", "datetime"), /^\d{4}-\d\d-\d\dT/);

  // The session cookie: the only cookie, Secure, HttpOnly, SameSite=Strict, also on
  // http://127.0.0.1 (a secure context for Chromium); the page's script cannot read it.
  const cookies = await context.cookies();
  assert.deepEqual(cookies.map((c) => [c.name, c.secure, c.httpOnly, c.sameSite, c.path]),
    [["__Host-privacyd_session", true, true, "Strict", "/"]]);
  assert.equal(await page.evaluate(() => document.cookie), "");

  // A change without the CSRF token, and one from another site, are refused.
  const noToken = await page.evaluate(async () => {
    const r = await fetch("/privacy/session/request/withdraw", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    return [r.status, (await r.json()).code];
  });
  assert.deepEqual(noToken, [403, "csrf_token_invalid"]);

  // Staff start: access needs a second confirmation with a fresh code.
  before = await mailCount();
  await staff(requestId, "start");
  const second = await codeFor(address, before);
  await open(page, "/privacy/en/request/status");
  await page.waitForSelector("#confirm:not([hidden])");
  await page.fill("#confirm #code", second);
  await Promise.all([page.waitForResponse((r) => r.url().endsWith("/privacy/session/request") && r.status() === 200), page.press("#confirm #code", "Enter")]);
  await page.waitForSelector("#confirm[hidden]", { state: "attached" });
  await staff(requestId, "complete");
  // The status page comes with the request in it: one request, nothing fetched.
  const fetched = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await open(page, "/privacy/en/request/status");
  await page.waitForSelector("#download:not([hidden])");
  assert.deepEqual(fetched, ["/privacy/en/request/status"]);
  assert.equal(await page.textContent("#s-state"), m["state.completed"]);
  // The last day of the download, from the API, in the page's language.
  const until = new Date(Date.now() + 168 * 3600 * 1000);
  assert.equal(await page.textContent("#download-until"), m["status.download.until"].replace(
    "{date}", new Intl.DateTimeFormat("en", { dateStyle: "long" }).format(until)));
  await axe(page, "status with download");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "en-request-status-download.png"), fullPage: true });
  await page.focus("#download-link");
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  result.package = path.join(ARTIFACTS_DIR, "package.zip");
  await download.saveAs(result.package);
  result.request_id = requestId;
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- a download link without a session goes back to the status page, which says why -------
{
  const context = await newContext("de-DE");
  const page = await context.newPage();
  await page.goto(BASE_URL + "/privacy/session/request/download?lang=de");
  assert.equal(page.url(), BASE_URL + "/privacy/de/request/status?problem=session_required");
  await page.waitForSelector("body[data-ready=true]");
  const m = await messagesOf(page);
  assert.equal(await page.textContent(".notice"), m["problem.session_required"]);
  assert.equal(await page.isVisible("#status-none"), true);
  await axe(page, "status without a session");
  await context.close();
}

// --- a complaint, in German ------------------------------------------------------------------
{
  const context = await newContext("de-DE");
  const page = await context.newPage();
  const address = process.env.COMPLAINT_ADDRESS;
  const redirected = await page.goto(BASE_URL + "/privacy");
  assert.equal(redirected.url(), BASE_URL + "/privacy/de/");
  await open(page, "/privacy/de/request");
  await page.check("#r-complaint");
  await page.fill("#email", address);
  await page.fill("#country", "DE");
  const before = await mailCount();
  await Promise.all([page.waitForURL(/request\/verify/), page.click("button[type=submit]")]);
  await page.waitForSelector("body[data-ready=true]");
  await page.fill("#code", await codeFor(address, before));
  await Promise.all([page.waitForURL(/request\/status/), page.click("#verify-form button[type=submit]")]);
  await page.waitForSelector("#status:not([hidden])");
  const m = await messagesOf(page);
  assert.equal(await page.textContent("#s-rights"), m["right.complaint"]);
  assert.equal(await page.textContent("#s-state"), m["state.verified"]);
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "de-complaint-status.png"), fullPage: true });
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- portability to another service, in French: the address field, its error, the status ----
{
  const context = await newContext("fr-FR");
  const page = await context.newPage();
  const address = "lou@qzx.example";
  await open(page, "/privacy/fr/request");
  const m = await messagesOf(page);
  // The field shows only with the right it belongs to.
  assert.equal(await page.isVisible("#transfer_url"), false);
  await page.check("#r-portability");
  assert.equal(await page.isVisible("#transfer_url"), true);
  await page.fill("#transfer_url", "http://import.example.net/in");
  await page.fill("#email", address);
  await page.click("button[type=submit]");
  await page.waitForSelector("#transfer_url-error:not([hidden])");
  assert.equal(await page.textContent("#transfer_url-error"), m["problem.invalid_transfer_url"]);
  assert.equal(await page.getAttribute("#transfer_url", "aria-invalid"), "true");
  await axe(page, "portability address with an error");
  // An https address is taken; the status names the host the data will go to (the request
  // stays open here, so nothing is sent anywhere).
  await page.fill("#transfer_url", "https://import.example.net/in?from=privacyd");
  // A telephone number that is not one is refused beside its own field.
  await page.fill("#phone", "12");
  await page.click("button[type=submit]");
  await page.waitForSelector("#phone-error:not([hidden])");
  assert.equal(await page.textContent("#phone-error"), m["problem.invalid_identity.phone"]);
  assert.equal(await page.getAttribute("#phone", "aria-invalid"), "true");
  assert.equal(await page.isVisible("#transfer_url-error"), false);
  await axe(page, "telephone number with an error");
  await page.fill("#phone", "+33 1 23 45 67 89");
  const before = await mailCount();
  await Promise.all([page.waitForURL(/request\/verify/), page.click("button[type=submit]")]);
  await page.waitForSelector("body[data-ready=true]");
  await page.fill("#code", await codeFor(address, before));
  await Promise.all([page.waitForURL(/request\/status/), page.click("#verify-form button[type=submit]")]);
  await page.waitForSelector("#status:not([hidden])");
  assert.equal(await page.textContent("#s-rights"), m["right.portability"]);
  assert.equal(await page.isVisible("#s-transfer"), true);
  assert.equal(await page.textContent("#s-transfer"), "import.example.net");
  await axe(page, "status with a transfer address");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "fr-portability-status.png"), fullPage: true });
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- the Preference Center by code: change a topic, unsubscribe from all --------------------
{
  const context = await newContext("fr-FR");
  const page = await context.newPage();
  const address = process.env.PREFERENCES_ADDRESS;
  await open(page, "/privacy/fr/preferences");
  await page.fill("#email", address);
  const before = await mailCount();
  await Promise.all([page.waitForResponse((r) => r.url().endsWith("/v1/preferences/code")), page.click("#send-code")]);
  await page.waitForSelector("#code-step:not([hidden])");
  await page.fill("#code", await codeFor(address, before));
  await page.click("#open");
  await page.waitForSelector("#prefs-form:not([hidden])");
  const state = async () => page.$$eval("#topics input", (xs) => Object.fromEntries(xs.map((x) => [x.value, x.checked])));
  assert.deepEqual(await state(), { newsletter: true, product_alerts: true, trust_center_update: false });
  // Topic names and descriptions in French.
  assert.equal(await page.textContent("label[for=topic-trust_center_update]"), "Trust Center Update");
  await axe(page, "preferences open");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "fr-preferences.png"), fullPage: true });

  async function save() {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/privacy/session/preferences") && r.request().method() === "PUT"),
      page.click("#prefs-form button[type=submit]")]);
    assert.equal(response.status(), 200, await response.text());
    await page.waitForSelector(".notice:not(:empty)");
  }
  await page.uncheck("#topic-newsletter");
  await page.check("#topic-trust_center_update");
  await save();
  // The page comes back with the session's preferences in it: one request, nothing fetched.
  const fetched = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await page.reload();
  await page.waitForSelector("#prefs-form:not([hidden])");
  assert.deepEqual(fetched, ["/privacy/fr/preferences"]);
  assert.deepEqual(await state(), { newsletter: false, product_alerts: true, trust_center_update: true });

  await page.check("#unsubscribe-all");
  await save();
  await page.reload();
  await page.waitForSelector("#prefs-form:not([hidden])");
  const after = await state();
  assert.equal(after.newsletter, false);
  assert.equal(after.product_alerts, false);
  result.preferences_after = after;
  assert.deepEqual(context.problems, []);

  // The one-click unsubscribe page of a mail's link, in the Privacy Center's look: a material
  // change of the statement mails its notice to Trust Center Update subscribers.
  const before2 = await mailCount();
  const applied = await fetch(`${BASE_URL}/v1/admin/policy`, {
    method: "POST",
    headers: { "Content-Type": "application/yaml", Authorization: "Bearer " + OFFICER_TOKEN },
    body: readFileSync(CHANGED_POLICY, "utf8"),
  });
  assert.equal(applied.status, 200, await applied.text());
  const link = await control(`/unsubscribe-link?to=${encodeURIComponent(address)}&after=${before2}`);
  assert.ok(link.startsWith(BASE_URL + "/u/"), link);
  const ask = await page.goto(link);
  assert.equal(ask.status(), 200);
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  assert.ok(await page.evaluate(() => document.styleSheets.length === 1 && document.styleSheets[0].cssRules.length > 10),
    "the Privacy Center's stylesheet applies");
  await axe(page, "unsubscribe page");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "fr-unsubscribe.png"), fullPage: true });
  await page.focus("main button");
  const [done] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  assert.equal(done.status(), 200);
  await axe(page, "unsubscribed page");
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, "fr-unsubscribed.png"), fullPage: true });
  // Its Preference Center link (/p/), and from there the same choices in the Privacy Center,
  // opened with the link's token (in the fragment, then gone from the address bar).
  await Promise.all([page.waitForNavigation(), page.click("main a[href*='/p/']")]);
  await axe(page, "the mail link's preference page");
  await Promise.all([page.waitForURL(/\/privacy\/fr\/preferences/), page.click("main a[href^='/privacy/fr/preferences#link=']")]);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("#prefs-form:not([hidden])");
  assert.equal(await page.evaluate(() => location.href), `${BASE_URL}/privacy/fr/preferences`);
  assert.deepEqual(await state(), { newsletter: false, product_alerts: false, trust_center_update: false });
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- first load on Fast 3G: bytes transferred and time to interactive -----------------------
// Two definitions of "Fast 3G": Chromium DevTools' current preset, and the older one that
// Lighthouse and WebPageTest call Fast 3G.
const PROFILES = [
  { profile: "devtools-fast-3g", latency: 562.5, downloadThroughput: 1.44e6 / 8, uploadThroughput: 675e3 / 8 },
  { profile: "lighthouse-fast-3g", latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 },
];
for (const { profile, ...conditions } of PROFILES)
// The baseline: /healthz, one small response, under the same conditions (the network's floor).
for (const url of ["/healthz", "/privacy/en/", "/privacy/en/request", "/privacy/de/statement", "/privacy/fr/preferences"]) {
  const context = await newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, ...conditions });
  let bytes = 0;
  const requests = [];
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  cdp.on("Network.requestWillBeSent", (e) => requests.push(e.request.url.replace(BASE_URL, "")));
  await page.goto(BASE_URL + url, { waitUntil: "load" });
  const baseline = url === "/healthz";
  if (!baseline) await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const ready = performance.getEntriesByName("privacyd-ready")[0] ?? { startTime: nav.loadEventEnd };
    return { dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd), load_ms: Math.round(nav.loadEventEnd), ready_ms: Math.round(ready.startTime) };
  });
  // Let the last loadingFinished events arrive: the page is ready, so nothing is in flight but
  // their notifications.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  result.performance.push({ profile, url, bytes, requests: requests.length, ...timing });
  assert.ok(bytes < 100 * 1024, `${url}: ${bytes} bytes on first load`);
  // Everything a page needs comes with it: one round trip.
  assert.deepEqual(requests, [url], `${url}: requests on first load`);
  await context.close();
}

await browser.close();
console.log(JSON.stringify(result));
