// Drives Debian's Chromium through the staff console of a running privacyd (started, with an
// SMTP sink, by test_console.py, which passes):
//   BASE_URL       the daemon, e.g. http://127.0.0.1:41234 (also its public_url)
//   PASSWORD       the password of the staff users ada (admin), olga (privacy_officer), sam
//                  (support_agent) and abe (auditor)
//   ADMIN_TOKEN    an API token of ada, to sign in with instead of a password
//   REQUEST_ID     a verified rectification request waiting in the queue
//   ARTIFACTS_DIR  where screenshots go
// Every console page is checked with axe-core (WCAG 2.1 A and AA) in en, de and fr, and in the
// dark scheme; the flows: a wrong password, then the privacy officer signing in by keyboard,
// entering a request received by post (with its errors first), finding the waiting request in
// the queue, extending it with a reason, starting and completing it, reading both in the
// timeline and signing out; the support agent, who neither sees nor can read the audit trail;
// a `next` to another site not followed; first load on Fast 3G. Waits are on selectors and
// responses only. Prints one JSON line with what the Python side checks further.
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { axe, browser, newContext, open } from "./browser_harness.mjs";

const { BASE_URL, PASSWORD, ADMIN_TOKEN, REQUEST_ID, REQUESTER, ARTIFACTS_DIR } = process.env;
const LANGS = ["en", "de", "fr"];
const PAGES = ["", "signin", `request?id=${REQUEST_ID}`, `person?kind=email&value=${encodeURIComponent(REQUESTER)}`,
  "suppressions", "imports", "import?id=imp_none", "outbox", "policy", "audit"];
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS_DIR, name), fullPage: true });
mkdirSync(ARTIFACTS_DIR, { recursive: true });

const messagesOf = async (page) => JSON.parse(await page.textContent("#messages"));

// Signs in on the sign-in page that is open, with the form, and waits for where it leads.
async function signIn(page, user, password, landing) {
  await page.fill("#user", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(landing), page.press("#password", "Enter")]);
  await page.waitForSelector("body[data-ready=true]");
}

const result = { checked: [] };

// --- every page in every language, as an administrator, who may open every section ----------
{
  const context = await newContext();
  const page = await context.newPage();
  await open(page, "/console/en/signin");
  await signIn(page, "ada", PASSWORD, `${BASE_URL}/console/en/`);
  for (const lang of LANGS) {
    for (const p of PAGES) {
      const response = await open(page, `/console/${lang}/${p}`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      const headers = response.headers();
      assert.equal(headers["content-security-policy"], CSP);
      assert.equal(headers["cache-control"], "no-cache");
      assert.equal(await page.getAttribute(`.langs a[data-lang=${lang}]`, "aria-current"), "true");
      const name = p.split("?")[0] || "queue";
      if (name !== "signin") {
        // The navigation shows every section to an administrator, and marks the current one.
        assert.equal(await page.locator("#sections li:not([hidden])").count(), 7);
        const current = await page.getAttribute("#sections a[aria-current=page]", "data-section");
        assert.equal(current, { request: "queue", import: "imports" }[name] ?? name);
      }
      await axe(page, `/console/${lang}/${p}`);
      result.checked.push(`/console/${lang}/${p}`);
      if (lang === "en" || name === "person") await shot(page, `${lang}-${name}.png`);
    }
  }
  // The language switch keeps the page and its query.
  await open(page, `/console/de/request?id=${REQUEST_ID}`);
  await page.focus(".langs a[data-lang=fr]");
  await Promise.all([page.waitForURL(`${BASE_URL}/console/fr/request?id=${REQUEST_ID}`), page.keyboard.press("Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.textContent("#r-id"), REQUEST_ID);
  // The person page: found by address, with the data privacy holds (and where it came from)
  // and their one request, from the queue narrowed to their address.
  await open(page, `/console/en/person?kind=email&value=${encodeURIComponent(REQUESTER)}`);
  await page.waitForSelector("#person:not([hidden])");
  const held = await page.$$eval("#s-attributes tbody tr", (rows) => rows.map((r) => r.children[1].textContent));
  assert.ok(held.includes(REQUESTER), JSON.stringify(held));
  assert.deepEqual(await page.$$eval("#s-requests tbody tr a", (as) => as.map((a) => a.textContent)), [REQUEST_ID]);
  // The audit trail's chain is intact, and says so in words.
  await open(page, "/console/en/audit");
  const m = await messagesOf(page);
  assert.match(await page.textContent("#chain-status"), new RegExp("^" + m["chain.intact"].split("{checked}")[0]));
  assert.equal(await page.getAttribute("#chain", "class"), "chain intact");
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- the dark colour scheme passes the same checks (contrast above all) ---------------------
{
  const context = await newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  await open(page, "/console/en/signin");
  await signIn(page, "ada", PASSWORD, `${BASE_URL}/console/en/`);
  for (const p of PAGES) {
    await open(page, `/console/en/${p}`);
    await axe(page, `/console/en/${p} (dark)`);
    result.checked.push(`/console/en/${p} (dark)`);
  }
  await shot(page, "en-audit-dark.png");
  await context.close();
}

// --- the privacy officer: sign in by keyboard, extend, start, complete, sign out ------------
{
  const context = await newContext();
  const page = await context.newPage();
  // Not signed in: the queue sends to the sign-in page, keeping where the person was going.
  await page.goto(BASE_URL + "/console/en/");
  await page.waitForURL(`${BASE_URL}/console/en/signin?next=%2Fconsole%2Fen%2F`);
  await page.waitForSelector("body[data-ready=true]");
  const m = await messagesOf(page);

  // The skip link first, then the fields, all by keyboard.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const el = document.activeElement;
    return [el.id, getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth];
  });
  assert.deepEqual(ring, ["user", "solid", "3px"]);
  await page.keyboard.type("olga");
  await page.keyboard.press("Tab");
  await page.keyboard.type("not the password");
  // A wrong password: announced in the summary, which takes the focus, and tied to the field.
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url() === BASE_URL + "/console/session" && r.request().method() === "POST"),
    page.keyboard.press("Enter")]);
  assert.equal(refused.status(), 401);
  await page.waitForSelector("#password-error:not([hidden])");
  assert.equal(await page.textContent("#password-error"), m["problem.invalid_credentials"]);
  assert.equal(await page.getAttribute("#password", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#password", "aria-describedby"), /\bpassword-error\b/);
  assert.equal(await page.getAttribute("#signin-errors", "role"), "alert");
  assert.equal(await page.evaluate(() => document.activeElement.id), "signin-errors");
  await axe(page, "sign-in with a wrong password");
  await shot(page, "en-signin-error.png");

  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(`${BASE_URL}/console/en/`), page.press("#password", "Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  // The cookie is the session's, and the script cannot read it.
  assert.equal(await page.evaluate(() => document.cookie), "");
  assert.equal(await page.textContent("#who-name"), "olga");
  assert.equal(await page.textContent("#who-role"), `(${m["role.privacy_officer"]})`);

  // A request received by post, entered from the queue page: first without a right and by
  // phone, which the policy does not take requests by; each error beside its field.
  await page.click("#enter-box summary");
  await page.fill("#e-email", "pat@qzx.example");
  await page.selectOption("#e-channel", "phone");
  await page.click("#enter-form button[type=submit]");
  await page.waitForSelector("#e-rights-error:not([hidden])");
  assert.equal(await page.textContent("#e-rights-error"), m["error.rights_required"]);
  await page.check("#e-objection");
  await Promise.all([page.waitForResponse((r) => r.url().endsWith("/v1/admin/requests") && r.status() === 400),
    page.click("#enter-form button[type=submit]")]);
  await page.waitForSelector("#e-channel-error:not([hidden])");
  assert.equal(await page.textContent("#e-channel-error"), m["problem.channel_not_offered"]);
  assert.equal(await page.getAttribute("#e-channel", "aria-invalid"), "true");
  await axe(page, "entering a request, with an error");
  await page.selectOption("#e-channel", "post");
  await page.check("#e-verified");
  await Promise.all([page.waitForURL(/\/console\/en\/request\?id=req_/), page.click("#enter-form button[type=submit]")]);
  await page.waitForSelector("#request:not([hidden])");
  assert.equal(await page.textContent("#r-channel"), m["channel.post"]);
  assert.equal(await page.textContent("#r-state"), m["state.verified"]);
  await page.goBack();
  await page.waitForSelector("body[data-ready=true]");

  // The queue: the request, its due date in words and as a machine-readable date.
  const row = page.locator("#queue-table tbody tr", { has: page.locator(`a:text-is("${REQUEST_ID}")`) });
  assert.equal(await row.count(), 1);
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[1], m["right.rectification"]);
  assert.equal(cells[2], m["state.verified"]);
  const dueAt = await row.locator("td:nth-child(5) time").getAttribute("datetime");
  assert.match(dueAt, /^\d{4}-\d\d-\d\dT/);
  await page.focus(`#queue-table a:text-is("${REQUEST_ID}")`);
  await Promise.all([page.waitForURL(`${BASE_URL}/console/en/request?id=${REQUEST_ID}`), page.keyboard.press("Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("#request:not([hidden])");
  assert.equal(await page.textContent("#r-state"), m["state.verified"]);
  assert.equal(await page.getAttribute("#r-due time", "datetime"), dueAt);

  // Extend, with a reason, by keyboard.
  const reason = "The rectification needs records from the archive";
  result.extension_reason = reason;
  await page.focus("#x-reason");
  await page.keyboard.type(reason);
  await page.keyboard.press("Tab");
  const [extended] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/extend")), page.keyboard.press("Enter")]);
  assert.equal(extended.status(), 200, await extended.text());
  const newDue = (await extended.json()).due_at;
  await page.waitForSelector("#notice:not(:empty)");
  assert.equal(await page.getAttribute("#r-due time", "datetime"), newDue);
  assert.ok(newDue > dueAt, `${newDue} after ${dueAt}`);
  assert.equal(await page.isVisible("#extend"), false);

  // The phone number the person gave finds nothing until staff confirm it is theirs.
  const identity = page.locator("#r-identities li");
  assert.equal(await identity.count(), 1);
  assert.ok((await identity.textContent()).includes(m["identity.unattested"]));
  const [attested] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/v1/admin/requests/${REQUEST_ID}/identities/phone/attest`)),
    page.click("#r-identities button[data-kind=phone]")]);
  assert.equal(attested.status(), 200, await attested.text());
  await page.waitForFunction((t) => document.querySelector("#notice").textContent === t,
    m["done.attest"].replace("{kind}", m["identity.phone"]));
  const confirmed = await identity.textContent();
  assert.ok(confirmed.startsWith(m["identity.phone"] + m["colon"] + "+4930901820 "), confirmed);
  assert.ok(confirmed.includes(m["identity.attested"].split("{who}")[0] + "olga"), confirmed);
  assert.equal(await page.locator("#r-identities button").count(), 0);

  // Start, then complete: a radio chosen with Space, the form sent from its button with Enter.
  for (const action of ["start", "complete"]) {
    await page.focus(`#a-${action}`);
    await page.keyboard.press("Space");
    await page.focus("#action-form button[type=submit]");
    const [moved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/transition")), page.keyboard.press("Enter")]);
    assert.equal(moved.status(), 200, await moved.text());
    const state = (await moved.json()).state;
    await page.waitForFunction((s) => document.querySelector("#r-state").textContent === s,
      m["state." + state]);
    // The notice comes once the page has reloaded the request and takes the focus: the next
    // action waits for it, or its keys could go to the notice instead of the form.
    await page.waitForFunction((t) => document.querySelector("#notice").textContent === t,
      m["done.transition"].replace("{state}", m["state." + state]));
  }
  assert.equal(await page.textContent("#r-state"), m["state.completed"]);
  assert.equal(await page.isVisible("#actions"), false);
  // The form is gone with nothing left to do: the keyboard goes on from the message.
  await page.waitForFunction(() => document.activeElement.id === "notice");
  assert.equal(await page.textContent("#notice"), m["done.transition"].replace("{state}", m["state.completed"]));
  // The timeline shows the extension with its reason and the completion, by olga.
  const steps = await page.$$eval("#timeline-list tbody tr", (rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent)));
  const byOlga = steps.filter((s) => s[1] === "olga").map((s) => [s[2], s[4]]);
  assert.deepEqual(byOlga, [[m["action.extend"], reason], [m["action.attest_identity"], m["identity.phone"]],
    [m["action.start"], ""], [m["action.complete"], ""]]);
  assert.equal(await page.getAttribute("#evidence-print", "href"),
    `/v1/admin/requests/${REQUEST_ID}/evidence?format=html`);
  assert.equal(await page.textContent("#v-deadline"), m["deadline.met"]);
  // The code mail of the verification, sent, in the evidence's mail.
  const codeMail = page.locator("#evidence-mail tbody tr", { has: page.locator('code:text-is("one_time_code")') });
  assert.equal(await codeMail.locator("td:nth-child(2)").textContent(), m["mail.sent"]);
  await axe(page, "the completed request");
  await shot(page, "en-request-done.png");

  // A draft of the policy, checked before anyone applies it: a longer retention is a material
  // change; a draft that is not YAML is refused with its line. Nothing is stored.
  await open(page, "/console/en/policy");
  await page.waitForSelector("#check:not([hidden])");
  const inForce = await page.inputValue("#c-source");
  assert.ok(inForce.includes("keep: {years: 2}"));
  async function checkDraft(text) {
    await page.fill("#c-source", text);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === BASE_URL + "/v1/admin/policy/validate"),
      page.click("#check-form button[type=submit]")]);
    assert.equal(response.status(), 200);
    await page.waitForSelector("#c-result p");
    return page.$$eval("#c-result .table-wrap", (tables) => tables.map((t) =>
      [...t.querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent))));
  }
  const longer = await checkDraft(inForce.replace("keep: {years: 2}", "keep: {years: 5}"));
  assert.deepEqual(longer.at(-1), [["purposes.respond_to_inquiries.retention", m["change.changed"],
    "2 years from last_interaction", "5 years from last_interaction", m["yes"], "longer retention"]]);
  assert.equal(await page.textContent("#c-result > p:first-child"), m["check.valid"].replace("{version}", "2024-08"));
  assert.equal(await page.textContent("#c-result > p:last-child"), m["check.material"]);
  await axe(page, "a draft policy checked");
  await shot(page, "en-policy-draft.png");
  const broken = await checkDraft("version: [\n");
  assert.equal(await page.textContent("#c-result > p:first-child"), m["check.invalid"]);
  assert.deepEqual(broken[0].map((row) => [row[0], row[2]]), [[m["severity.error"], "2"]]);

  // Sign out: back to the sign-in page, and the session is gone.
  await page.focus("#signout");
  await Promise.all([page.waitForURL(/\/console\/en\/signin\?signed_out=1$/), page.keyboard.press("Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.textContent("#notice"), m["signed_out"]);
  const after = await page.evaluate(async () => (await fetch("/console/session")).status);
  assert.equal(after, 401);
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- the support agent: no audit trail in the navigation, and none to read -------------------
{
  const context = await newContext({ locale: "de-DE" });
  const page = await context.newPage();
  await open(page, "/console/de/signin?next=%2Fconsole%2Fde%2Fsuppressions");
  await signIn(page, "sam", PASSWORD, `${BASE_URL}/console/de/suppressions`);
  const sections = await page.$$eval("#sections li:not([hidden]) a", (as) => as.map((a) => a.dataset.section));
  assert.deepEqual(sections, ["queue", "person", "suppressions"]);
  await open(page, "/console/de/audit");
  await page.waitForSelector("#forbidden:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement.id), "forbidden");
  const de = JSON.parse(readFileSync(new URL("../../web/console/i18n/de.json", import.meta.url), "utf8"));
  assert.equal(await page.textContent("#forbidden"), de["forbidden.text"]);
  assert.equal(await page.isVisible("#content"), false);
  assert.equal(await page.locator("#audit-list table").count(), 0);
  await axe(page, "the audit trail refused");
  await shot(page, "de-audit-forbidden.png");
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- the auditor: signing in leads to the first section the role may use, not the queue -----
{
  const context = await newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  await open(page, "/console/fr/signin");
  await signIn(page, "abe", PASSWORD, `${BASE_URL}/console/fr/policy`);
  const sections = await page.$$eval("#sections li:not([hidden]) a", (as) => as.map((a) => a.dataset.section));
  assert.deepEqual(sections, ["policy", "audit"]);
  await page.waitForSelector("#in-force:not([hidden])");
  // Checking drafts is for those who may apply them.
  assert.equal(await page.isHidden("#check"), true);
  // The queue by its address: refused, in French.
  await open(page, "/console/fr/");
  await page.waitForSelector("#forbidden:not([hidden])");
  const fr = JSON.parse(readFileSync(new URL("../../web/console/i18n/fr.json", import.meta.url), "utf8"));
  assert.equal(await page.textContent("#forbidden"), fr["forbidden.text"]);
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- signing in with an API token, behind its disclosure, by keyboard ------------------------
{
  const context = await newContext();
  const page = await context.newPage();
  await open(page, "/console/en/signin");
  const m = await messagesOf(page);
  await page.focus("#token-box summary");
  await page.keyboard.press("Enter");
  await page.fill("#token", "pd_not_a_token");
  await page.press("#token", "Enter");
  await page.waitForSelector("#token-error:not([hidden])");
  assert.equal(await page.textContent("#token-error"), m["problem.invalid_credentials"]);
  assert.equal(await page.getAttribute("#token", "aria-invalid"), "true");
  await page.fill("#token", ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${BASE_URL}/console/en/`), page.press("#token", "Enter")]);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.textContent("#who-name"), "ada");
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- after signing in, only a console page is a place to go back to ---------------------------
// Another site, and a protocol-relative address, lead to the first section of the role instead.
for (const next of ["https://example.org/console/en/", "//example.org/console/en/"]) {
  const context = await newContext();
  const page = await context.newPage();
  await open(page, "/console/en/signin?next=" + encodeURIComponent(next));
  await signIn(page, "sam", PASSWORD, `${BASE_URL}/console/en/`);
  assert.deepEqual(context.problems, []);
  await context.close();
}

// --- first load, signed in, on Fast 3G: bytes transferred and time to interactive -----------
// As the Privacy Center's test measures it (docs/PERFORMANCE.md): the cache disabled, Chromium
// DevTools' Fast 3G preset, the page, its stylesheet and script, the session and the data.
// The baseline is /healthz, one small response under the same conditions.
result.performance = [];
{
  const context = await newContext();
  const page = await context.newPage();
  await open(page, "/console/en/signin");
  await signIn(page, "ada", PASSWORD, `${BASE_URL}/console/en/`);
  for (const url of ["/healthz", "/console/en/", `/console/en/request?id=${REQUEST_ID}`, "/console/en/audit"]) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions",
      { offline: false, latency: 562.5, downloadThroughput: 1.44e6 / 8, uploadThroughput: 675e3 / 8 });
    let bytes = 0;
    let requests = 0;
    cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
    cdp.on("Network.requestWillBeSent", () => { requests += 1; });
    await page.goto(BASE_URL + url, { waitUntil: "load" });
    if (url !== "/healthz") await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const ready = performance.getEntriesByName("privacyd-ready")[0] ?? { startTime: nav.loadEventEnd };
      return { ready_ms: Math.round(ready.startTime), load_ms: Math.round(nav.loadEventEnd) };
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    await cdp.detach();
    result.performance.push({ url: url.replace(REQUEST_ID, "{id}"), bytes, requests, ...timing });
    assert.ok(bytes < 100 * 1024, `${url}: ${bytes} bytes on first load`);
  }
  await context.close();
}

await browser.close();
console.log(JSON.stringify(result));
