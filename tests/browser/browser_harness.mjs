// What the browser tests share: Debian's Chromium kept off the network, contexts whose pages may
// talk to the daemon under test only, opening a page until its script says it is ready, and
// axe-core's WCAG 2.1 A and AA checks. BASE_URL (the daemon) comes from the environment.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const { BASE_URL } = process.env;

export const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});

// A fresh context whose pages may talk to the daemon only: anything else is recorded in
// `context.problems`, which fails the run, as does any Content-Security-Policy report or script
// error (a 4xx the page expects is no problem).
export async function newContext(options = {}) {
  const context = await browser.newContext({ locale: "en-US", ...options });
  context.problems = [];
  context.on("request", (r) => {
    if (!r.url().startsWith(BASE_URL + "/")) context.problems.push("third-party request " + r.url());
  });
  context.on("page", (page) => {
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) {
        context.problems.push("console error on " + page.url() + ": " + m.text());
      }
    });
    page.on("pageerror", (e) => context.problems.push("script error on " + page.url() + ": " + e));
  });
  return context;
}

// Opens a page of the daemon and waits until its script has marked it ready.
export async function open(page, url) {
  const response = await page.goto(BASE_URL + url);
  assert.equal(response.status(), 200, url);
  await page.waitForSelector("body[data-ready=true]");
  return response;
}

// axe-core on the page as it is now: no violation of WCAG 2.0/2.1 A and AA.
export async function axe(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  const found = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(found, [], `axe on ${what}`);
}
