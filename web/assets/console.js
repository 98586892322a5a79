// The staff console's one script (docs/console.md): every page is static and the same for
// everyone; this script signs in, reads the JSON API with the staff session's HttpOnly cookie,
// sends the session's CSRF token with every change, and builds the page with createElement and
// textContent only. No framework, no third party, nothing stored in the browser.
const body = document.body;
const lang = body.dataset.lang;
const pageName = body.dataset.page;
const messages = JSON.parse(document.getElementById("messages").textContent);
const $ = (selector, root = document) => root.querySelector(selector);
const msg = (key) => messages[key] ?? messages["error.generic"];
// A translated name of a code (state, right, action...), or the code itself when there is none.
const label = (group, code) => messages[group + "." + code] ?? code;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
const problemText = (code) =>
  code === "network" ? msg("error.network") : messages["problem." + code] ?? msg("error.generic");
const show = (el, on = true) => { if (el) el.hidden = !on; };
const params = new URLSearchParams(location.search);
let csrf = "";
let me = null;
// The session (who is signed in), asked for while the page asks for its data: null when there
// is none. A page that needs `me` waits for it.
let sessionReady = Promise.resolve(null);

// --- the API ----------------------------------------------------------------------------------

// The pages may only send a person back to a console page after signing in.
function safeNext(next) {
  if (!next || !next.startsWith("/console/") || next.startsWith("//") || next.includes("\\")) return "";
  const url = new URL(next, location.origin);
  return url.origin === location.origin && url.pathname.startsWith("/console/") ? url.pathname + url.search : "";
}

function toSignIn() {
  const next = location.pathname + location.search;
  location.assign(`/console/${lang}/signin?next=${encodeURIComponent(next)}`);
}

// `data` is sent as JSON, or as it is when `type` names another media type.
async function api(method, url, data, type = "application/json") {
  const headers = { "Accept": "application/json", "Accept-Language": lang };
  if (data !== undefined) headers["Content-Type"] = type;
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  let r;
  try {
    const res = await fetch(url, { method, headers, credentials: "same-origin",
      body: data === undefined ? undefined : type === "application/json" ? JSON.stringify(data) : data });
    const json = await res.json().catch(() => ({}));
    r = { ok: res.ok, status: res.status, data: json, code: res.ok ? "" : json.code || "" };
  } catch {
    return { ok: false, status: 0, data: {}, code: "network" };
  }
  // The session ended (idle, expired, signed out elsewhere): sign in again, then come back.
  if (r.status === 401 && pageName !== "signin" && url !== "/console/session") {
    toSignIn();
    r.redirected = true;
  }
  return r;
}

// Reads `url` for the page. A role that may not read it sees the translated refusal; any other
// problem shows in the page's alert. Null when there is nothing to show.
async function load(url) {
  const r = await api("GET", url);
  if (r.ok) return r.data;
  if (r.redirected) return null;
  if (r.status === 403 && r.code === "forbidden") {
    // The section is not for this role: say so, and leave out its forms and tables.
    const box = $("#forbidden");
    show($("#content"), false);
    show(box);
    box.focus();
  } else {
    pageError(r.code);
  }
  return null;
}

function pageError(code) {
  const box = $("#page-error");
  box.replaceChildren(el("p", {}, problemText(code)));
  show(box);
  box.focus();
}

// A status message above the page's content. `focus`: after an action whose form may have
// gone, the keyboard continues from the message rather than from the top of the page.
function notice(text, focus = false) {
  const box = $("#notice");
  box.textContent = text;
  if (focus) box.focus();
}

// --- building the DOM -------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "dateTime") node.dateTime = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
const timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
const day = (iso) => (iso ? el("time", { dateTime: iso }, dateFormat.format(new Date(iso))) : msg("none"));
const moment = (iso) => (iso ? el("time", { dateTime: iso }, timeFormat.format(new Date(iso))) : msg("none"));
const dayText = (iso) => dateFormat.format(new Date(iso));
const yesNo = (b) => msg(b ? "yes" : "no");
const code = (text) => el("code", {}, text);

// A table with a caption, column headers (scope=col) and, when `rowHeader`, the first cell of
// each row as its header (scope=row). Cells are text or nodes.
function table(caption, columns, rows, { rowHeader = false, id } = {}) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, msg("col." + c))));
  const tbody = el("tbody");
  if (!rows.length) tbody.append(el("tr", {}, el("td", { colspan: String(columns.length) }, msg("none"))));
  for (const cells of rows) {
    tbody.append(el("tr", {}, ...cells.map((c, i) =>
      (rowHeader && i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c)))));
  }
  const t = el("table", id ? { id } : {}, el("caption", {}, caption), el("thead", {}, head), tbody);
  return el("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" }, t);
}

// The link to the next page, with the filters of this one and the API's cursor.
function nextPage(name, value) {
  const link = $("#next-page");
  if (value === null || value === undefined || value === "") return show(link, false);
  const next = new URLSearchParams(location.search);
  next.set(name, value);
  link.href = location.pathname + "?" + next;
  show(link);
}

// The filters of a GET form, from the address: the form shows what the page shows.
function fillForm(form) {
  for (const input of form.elements) {
    if (!input.name || !params.has(input.name)) continue;
    if (input.type === "checkbox") input.checked = params.get(input.name) === input.value;
    else input.value = params.get(input.name);
  }
  // Empty fields stay out of the address; back on this page from the history, they are
  // fields again.
  form.addEventListener("submit", () => {
    for (const input of form.elements) if (input.name && !input.value) input.disabled = true;
  });
  window.addEventListener("pageshow", () => {
    for (const input of form.elements) input.disabled = false;
  });
}

// The query of `names` from the address, for the API.
function query(names, extra = {}) {
  const q = new URLSearchParams();
  for (const n of names) if (params.get(n)) q.set(n, params.get(n));
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// --- errors in forms --------------------------------------------------------------------------

function clearErrors(form, summary) {
  for (const e of form.querySelectorAll(".error")) { e.textContent = ""; e.hidden = true; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  summary.replaceChildren();
  show(summary, false);
}

// errors: [{field, text}]. Each shows beside its field (tied by aria-describedby, the field
// marked aria-invalid) and in the summary, an alert region that takes the focus and links to it.
function showErrors(form, summary, errors) {
  clearErrors(form, summary);
  summary.append(el("p", {}, msg("errors.summary")));
  for (const { field, text } of errors) {
    const target = field && document.getElementById(field);
    if (target) {
      const slot = document.getElementById(field + "-error");
      if (slot) { slot.textContent = text; slot.hidden = false; }
      const focusable = target.tagName === "FIELDSET" ? target.querySelector("input:not([hidden])") : target;
      if (target.tagName !== "FIELDSET") target.setAttribute("aria-invalid", "true");
      summary.append(el("p", {}, el("a", { href: "#" + (focusable ? focusable.id : field) }, text)));
    } else {
      summary.append(el("p", {}, text));
    }
  }
  show(summary);
  summary.focus();
}

function busy(form, on) {
  for (const b of form.querySelectorAll("button")) b.disabled = on;
}

// --- the frame: who is signed in, what they may use -------------------------------------------

const sectionOf = { queue: "queue", request: "queue", person: "person", suppressions: "suppressions",
  imports: "imports", import: "imports", outbox: "outbox", policy: "policy", audit: "audit" };

function frame(session) {
  me = session.user;
  csrf = session.csrf_token;
  $("#who-name").textContent = me.name;
  $("#who-role").textContent = "(" + label("role", me.role) + ")";
  show($("#who"));
  for (const li of document.querySelectorAll("#sections li")) {
    show(li, li.dataset.roles.split(" ").includes(me.role));
  }
  const current = $(`#sections a[data-section=${sectionOf[pageName]}]`);
  if (current) current.setAttribute("aria-current", "page");
  show($("#sections"));
  $("#signout").addEventListener("click", async () => {
    await api("DELETE", "/console/session");
    location.assign(`/console/${lang}/signin?signed_out=1`);
  });
}

// The first section the role may use: where signing in leads when there is no `next`.
function home(role) {
  for (const li of document.querySelectorAll("#sections li")) {
    if (li.dataset.roles.split(" ").includes(role)) return $("a", li).getAttribute("href");
  }
  return `/console/${lang}/`;
}

for (const a of document.querySelectorAll(".langs a")) {
  if (a.dataset.lang === lang) a.setAttribute("aria-current", "true");
  a.href += location.search;
}

// --- when a request is due --------------------------------------------------------------------

const closed = (state) => ["completed", "partially_completed", "refused", "withdrawn"].includes(state);

// The due date, and in words whether it has passed: text, not colour alone.
function due(req) {
  const cell = el("span", { class: "due" }, day(req.due_at));
  if (closed(req.state)) return cell;
  const left = new Date(req.due_at) - Date.now();
  // "in 12 days", "vor 3 Tagen", in the page's language.
  cell.append(" (", relative.format(Math.trunc(left / 86400e3), "day"), ")");
  if (left < 0) cell.append(" ", el("strong", { class: "flag overdue" }, msg("overdue")));
  else if (left < 7 * 86400e3) cell.append(" ", el("span", { class: "flag soon" }, msg("due_soon")));
  return cell;
}

const rights = (list) => list.map((r) => label("right", r)).join(", ");
const requestLink = (id) => el("a", { href: `/console/${lang}/request?id=${encodeURIComponent(id)}` }, id);

function requestRows(requests) {
  return requests.map((r) => [requestLink(r.id), rights(r.rights), label("state", r.state),
    day(r.received_at), due(r), label("channel", r.channel)]);
}

// --- the pages --------------------------------------------------------------------------------

const pages = {
  signin() {
    const summary = $("#signin-errors");
    const next = safeNext(params.get("next") || "");
    if (params.get("signed_out")) notice(msg("signed_out"));
    async function signIn(form, data, field) {
      busy(form, true);
      const r = await api("POST", "/console/session", data);
      busy(form, false);
      if (!r.ok) {
        const where = r.code === "invalid_credentials" || r.code === "invalid_token" ? field : null;
        return showErrors(form, summary, [{ field: where, text: problemText(r.code) }]);
      }
      location.assign(next || home(r.data.user.role));
    }
    $("#signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const user = $("#user").value.trim();
      const password = $("#password").value;
      const errors = [];
      if (!user) errors.push({ field: "user", text: msg("error.user_required") });
      if (!password) errors.push({ field: "password", text: msg("error.password_required") });
      if (errors.length) return showErrors(form, summary, errors);
      signIn(form, { user, password }, "password");
    });
    $("#token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const token = $("#token").value.trim();
      if (!token) return showErrors(form, summary, [{ field: "token", text: msg("error.token_required") }]);
      signIn(form, { token }, "token");
    });
  },

  async queue() {
    fillForm($("#filters"));
    const data = await load("/v1/admin/requests" +
      query(["state", "right", "overdue", "due_before", "cursor"], { limit: "50" }));
    if (data) {
      const box = $("#queue-results");
      box.replaceChildren(data.requests.length
        ? table(msg("queue.caption"), ["request", "rights", "state", "received", "due", "channel"],
          requestRows(data.requests), { rowHeader: false, id: "queue-table" })
        : el("p", {}, msg("queue.empty")));
      nextPage("cursor", data.next_cursor);
    }
    enterForm();
  },

  async request() {
    const id = params.get("id") || "";
    const url = `/v1/admin/requests/${encodeURIComponent(id)}`;
    // The request and its evidence at once: one round trip, not two.
    const [session, first, firstEvidence] = await Promise.all([sessionReady, load(url), load(url + "/evidence")]);
    if (!session || !first) return;
    let req = first;
    render(req);
    await evidence(firstEvidence);

    const actionForm = $("#action-form");
    const actionErrors = $("#action-errors");
    actionForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = $("input[name=action]:checked", actionForm);
      const reason = $("#a-reason").value.trim();
      if (!chosen) return showErrors(actionForm, actionErrors, [{ field: "a-actions", text: msg("error.action_required") }]);
      if (!reason && ["refuse", "partially_complete"].includes(chosen.value)) {
        return showErrors(actionForm, actionErrors, [{ field: "a-reason", text: msg("error.reason_required") }]);
      }
      busy(actionForm, true);
      const r = await api("POST", `/v1/admin/requests/${encodeURIComponent(id)}/transition`,
        reason ? { action: chosen.value, reason } : { action: chosen.value });
      busy(actionForm, false);
      if (!r.ok) {
        if (r.redirected) return;
        const field = r.code.startsWith("reason_") ? "a-reason" : null;
        return showErrors(actionForm, actionErrors, [{ field, text: problemText(r.code) }]);
      }
      clearErrors(actionForm, actionErrors);
      actionForm.reset();
      await refresh();
      notice(fill(msg("done.transition"), { state: label("state", r.data.state) }), true);
    });

    const extendForm = $("#extend-form");
    const extendErrors = $("#extend-errors");
    extendForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const reason = $("#x-reason").value.trim();
      if (!reason) return showErrors(extendForm, extendErrors, [{ field: "x-reason", text: msg("error.reason_required") }]);
      busy(extendForm, true);
      const r = await api("POST", `/v1/admin/requests/${encodeURIComponent(id)}/extend`, { reason });
      busy(extendForm, false);
      if (!r.ok) {
        if (r.redirected) return;
        const field = r.code.startsWith("reason_") ? "x-reason" : null;
        return showErrors(extendForm, extendErrors, [{ field, text: problemText(r.code) }]);
      }
      clearErrors(extendForm, extendErrors);
      extendForm.reset();
      await refresh();
      notice(fill(msg("done.extend"), { date: dayText(r.data.due_at) }), true);
    });

    async function refresh() {
      const again = await load(`/v1/admin/requests/${encodeURIComponent(id)}`);
      if (again) { req = again; render(req); }
      await evidence();
    }

    function render(r) {
      show($("#request"));
      $("#r-id").textContent = r.id;
      $("#r-state").textContent = label("state", r.state);
      $("#r-rights").textContent = rights(r.rights);
      $("#r-channel").textContent = label("channel", r.channel);
      $("#r-regime").replaceChildren(code(r.regime));
      $("#r-received").replaceChildren(moment(r.received_at));
      $("#r-due").replaceChildren(due(r));
      $("#r-original-due").replaceChildren(day(r.original_due_at));
      $("#r-extended").textContent = r.extended ? fill(msg("extended_to"), { date: dayText(r.due_at) }) : msg("not_extended");
      $("#r-verification").textContent = r.verified_at
        ? fill(msg("verified_at"), { date: dayText(r.verified_at) }) : msg("not_verified");
      if (r.needs_confirmation) $("#r-verification").append(el("br"), msg("confirmation_awaited"));
      $("#r-outcome").textContent = r.outcome ? label("outcome", r.outcome) : msg("none");
      identities(r);

      // What may be done now: by the state, and by the role (approving and refusing are
      // decisions of privacy officers; the server checks the same).
      const decides = me.role === "privacy_officer";
      const possible = {
        received: ["withdraw"], awaiting_verification: ["withdraw"],
        verified: ["start", "refuse", "withdraw"],
        in_progress: ["complete", "request_approval", "partially_complete", "refuse", "withdraw"],
        awaiting_approval: ["approve", "partially_complete", "refuse", "withdraw"],
      }[r.state] ?? [];
      const allowed = possible.filter((a) => decides || !["approve", "refuse"].includes(a));
      for (const choice of document.querySelectorAll("#a-actions .choice")) {
        const on = allowed.includes(choice.dataset.action);
        show(choice, on);
        $("input", choice).disabled = !on;
      }
      show($("#actions"), allowed.length > 0);
      if (!allowed.length) notice(closed(r.state) ? msg("no_actions") : "");

      const extendable = decides && !closed(r.state) && !r.extended &&
        r.max_due_at !== r.original_due_at && new Date(r.due_at) > Date.now();
      show($("#extend"), extendable);
      if (extendable) $("#x-h").textContent = fill(msg("extend.until"), { date: dayText(r.max_due_at) });

      show($("#timeline"));
      $("#timeline-table").replaceChildren(table(msg("timeline.caption"),
        ["when", "who", "step", "from_to", "reason"],
        r.timeline.map((e) => [moment(e.at), label("actor", e.actor), label("action", e.action),
          !e.from || e.from === e.to ? label("state", e.to) : `${label("state", e.from)} → ${label("state", e.to)}`,
          e.action === "attest_identity" ? label("identity", e.reason) : e.reason || ""]), { id: "timeline-list" }));
    }

    // The other identities the person gave (a phone number, a customer number): the code proved
    // only the email, so each finds data only once staff confirm it is the person's.
    function identities(r) {
      const list = r.identities ?? [];
      if (!list.length) return $("#r-identities").replaceChildren(msg("none"));
      $("#r-identities").replaceChildren(el("ul", {}, ...list.map((i) => {
        const item = el("li", {}, label("identity", i.kind), msg("colon"), code(i.value ?? ""), " ");
        if (i.attested) {
          item.append(fill(msg("identity.attested"), { who: i.attested_by ?? "", date: dayText(i.attested_at) }));
        } else {
          item.append(msg("identity.unattested"));
          if (!closed(r.state)) {
            const button = el("button", { type: "button", class: "secondary", "data-kind": i.kind },
              fill(msg("identity.attest"), { kind: label("identity", i.kind) }));
            button.addEventListener("click", () => attest(i.kind, button));
            item.append(" ", button);
          }
        }
        return item;
      })));
    }

    async function attest(kind, button) {
      button.disabled = true;
      const r = await api("POST",
        `/v1/admin/requests/${encodeURIComponent(id)}/identities/${encodeURIComponent(kind)}/attest`, {});
      button.disabled = false;
      if (!r.ok) return r.redirected || notice(problemText(r.code), true);
      await refresh();
      notice(fill(msg("done.attest"), { kind: label("identity", kind) }), true);
    }

    async function evidence(loaded) {
      const ev = loaded ?? await load(`${url}/evidence`);
      if (!ev) return;
      show($("#evidence"));
      $("#evidence-print").href = `/v1/admin/requests/${encodeURIComponent(id)}/evidence?format=html`;
      $("#v-deadline").textContent = label("deadline", ev.deadline.status);
      $("#v-generated").replaceChildren(moment(ev.generated_at));
      $("#v-downloads").textContent = ev.package.downloads.length
        ? ev.package.downloads.map((d) => timeFormat.format(new Date(d))).join(", ") : msg("none");
      const counts = (o) => Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(", ");
      $("#evidence-findings").replaceChildren(ev.findings.length
        ? table(msg("findings.caption"), ["right", "when", "counts", "categories"],
          ev.findings.map((f) => [label("right", f.right), moment(f.at), counts(f.counts) || msg("none"),
            counts(f.categories) || msg("none")]))
        : "");
      $("#evidence-mail").replaceChildren(ev.mail.length
        ? table(msg("mail.caption"), ["template", "state", "sent", "recipient", "error"],
          ev.mail.map((m) => [code(m.template),
            // A dead letter: every attempt failed. In words, not colour alone.
            m.state === "failed" ? el("strong", { class: "flag overdue" }, label("mail", m.state)) : label("mail", m.state ?? "sent"),
            moment(m.sent_at), label("recipient", m.recipient),
            m.error ? `${m.error} (${m.attempts})` : ""]))
        : "");
    }
  },

  async person() {
    const form = $("#find-form");
    fillForm(form);
    const value = (params.get("value") || "").trim();
    if (!value) return;
    const kind = params.get("kind") || "email";
    const found = await load("/v1/admin/subjects?identity=" + encodeURIComponent(kind + ":" + value));
    if (!found) return;
    if (!found.subjects.length) return notice(msg("person.none"));
    const s = found.subjects[0];
    const sid = encodeURIComponent(s.id);
    show($("#person"));
    $("#s-id").replaceChildren(code(s.id));
    $("#s-created").replaceChildren(moment(s.created_at));
    $("#s-identities").replaceChildren(table(msg("identities.caption"), ["kind", "value"],
      s.identities.map((i) => [label("identity", i.kind), i.value])));
    // Where a value came from, in words for what staff need; the rest (receipt, times) is in
    // the audit trail and the consent ledger.
    const source = (p) => ["point", "channel", "source", "actor", "import", "request_id", "purposes",
      "statement_version"].filter((k) => p && p[k] !== undefined && p[k] !== "")
      .map((k) => `${msg("prov." + k)}${msg("colon")}${Array.isArray(p[k]) ? p[k].join(", ") : p[k]}`).join(" · ");
    $("#s-attributes").replaceChildren(table(msg("attributes.caption"), ["name", "value", "source", "collected"],
      s.attributes.map((a) => [code(a.name), a.value, source(a.provenance), moment(a.created_at)]), { rowHeader: true }));
    const [consent, disclosures, requests] = await Promise.all([
      load(`/v1/admin/subjects/${sid}/consent`),
      load(`/v1/admin/subjects/${sid}/disclosures`),
      kind === "email" ? api("GET", "/v1/admin/requests?email=" + encodeURIComponent(value)) : null,
    ]);
    if (consent) {
      $("#s-consent").replaceChildren(table(msg("consent.caption"),
        ["time", "topic", "action", "method", "version", "country"],
        consent.events.map((e) => [moment(e.time), code(e.target), label("consent", e.action),
          label("method", e.method), e.statement_version, e.country])));
    }
    if (disclosures) {
      $("#s-disclosures").replaceChildren(table(msg("disclosures.caption"),
        ["disclosed", "recipient_org", "purpose", "categories", "safeguard", "actor"],
        disclosures.disclosures.map((d) => [moment(d.disclosed_at), d.recipient, code(d.purpose),
          d.categories.join(", "), d.safeguard, d.actor])));
    }
    // The queue's filter by address (where the server has it): the person's requests.
    if (requests && requests.ok && Array.isArray(requests.data.requests)) {
      $("#s-requests").replaceChildren(table(msg("person_requests.caption"),
        ["request", "rights", "state", "received", "due", "channel"], requestRows(requests.data.requests)));
    }
  },

  async suppressions() {
    fillForm($("#lookup-form"));
    const email = (params.get("email") || "").trim();
    if (email) {
      const found = await load("/v1/admin/suppressions?email=" + encodeURIComponent(email));
      if (!found) return;
      const result = $("#lookup-result");
      const entry = found.entries[0];
      result.textContent = entry
        ? fill(msg("suppressed"), { date: dayText(entry.created_at), reason: entry.reason })
        : msg("not_suppressed");
      show(result);
      return;
    }
    const data = await load("/v1/admin/suppressions" + query(["cursor"]));
    if (!data) return;
    $("#suppression-list").replaceChildren(data.entries.length
      ? table(fill(msg("suppressions.caption"), { total: data.total ?? data.entries.length }),
        ["kind", "index", "reason", "created"],
        data.entries.map((e) => [label("identity", e.kind), code(e.index), e.reason, day(e.created_at)]))
      : el("p", {}, msg("suppressions.empty")));
    nextPage("cursor", data.next_cursor);
  },

  async imports() {
    const data = await load("/v1/admin/imports" + query(["cursor"]));
    if (!data) return;
    $("#import-list").replaceChildren(data.imports.length
      ? table(msg("imports.caption"),
        ["import", "vendor", "started", "outcome", "rows", "merged", "added", "skipped", "refused"],
        data.imports.map((i) => [
          el("a", { href: `/console/${lang}/import?id=${encodeURIComponent(i.import)}` }, i.import),
          i.vendor, moment(i.started_at), label("import", i.outcome), i.rows, i.merged, i.added,
          i.skipped, i.refused]))
      : el("p", {}, msg("imports.empty")));
    nextPage("cursor", data.next_cursor);
  },

  async import() {
    const i = await load("/v1/admin/imports/" + encodeURIComponent(params.get("id") || ""));
    if (!i) return;
    show($("#import"));
    $("#i-id").replaceChildren(code(i.import));
    $("#i-vendor").textContent = i.vendor;
    $("#i-point").replaceChildren(code(i.point));
    $("#i-actor").textContent = i.actor;
    $("#i-started").replaceChildren(moment(i.started_at));
    $("#i-finished").replaceChildren(moment(i.finished_at));
    $("#i-outcome").textContent = label("import", i.outcome) + (i.error ? ` (${i.error})` : "");
    $("#i-counts").textContent = ["rows", "merged", "added", "skipped", "refused"]
      .map((k) => `${msg("col." + k)}${msg("colon")}${i[k]}`).join(", ");
    $("#i-ignored").textContent = i.ignored_columns.length ? i.ignored_columns.join(", ") : msg("none");
    $("#i-exceptions").replaceChildren(i.exceptions.length
      ? table(msg("exceptions.caption"), ["line", "outcome", "subject", "reason", "errors"],
        i.exceptions.map((x) => [x.line, x.outcome, x.subject || "", x.reason || "",
          (x.errors || []).map((e) => `${e.field}: ${e.code}`).join(", ")]), { rowHeader: true })
      : el("p", {}, msg("exceptions.empty")));
  },

  async outbox() {
    fillForm($("#outbox-filter"));
    const data = await load("/v1/admin/outbox" + query(["state", "after"]));
    if (!data) return;
    $("#outbox-list").replaceChildren(data.mail.length
      ? table(msg("outbox.caption"),
        ["job", "kind", "state", "attempts", "template", "language", "updated", "error"],
        data.mail.map((m) => [m.job_id, code(m.kind),
          m.state === "dead" ? el("strong", { class: "flag overdue" }, label("job", m.state)) : label("job", m.state),
          `${m.attempts} / ${m.max_attempts}`, m.template || "", m.language || "", moment(m.updated_at),
          m.last_error || ""]), { rowHeader: true })
      : el("p", {}, msg("outbox.empty")));
    nextPage("after", data.next);
  },

  async policy() {
    // The policy in force with its validation report; the version history is public.
    const policy = await load("/v1/admin/policy");
    if (!policy) return;
    const data = await load("/statement/versions");
    if (!data) return;
    show($("#in-force"));
    $("#f-version").replaceChildren(code(policy.version));
    $("#f-effective").replaceChildren(day(policy.effective_date));
    $("#f-applied").replaceChildren(moment(policy.applied_at));
    $("#f-report").replaceChildren(report(msg("report.caption"), policy.report || { errors: [], warnings: [] }));
    $("#f-source").textContent = policy.source;
    if (["admin", "privacy_officer"].includes(me.role)) draftCheck(policy.source);
    show($("#history"));
    const list = $("#versions");
    list.replaceChildren();
    data.versions.forEach((v, n) => {
      const first = n === data.versions.length - 1;
      const section = el("section", { class: "version", "aria-labelledby": "v-" + n },
        el("h3", { id: "v-" + n }, v.version, " ", el("span", { class: "flag" + (v.material ? " overdue" : "") },
          msg(v.material ? "versions.material" : "versions.minor"))),
        el("p", {}, msg("versions.effective"), " ", day(v.effective_date), " · ", msg("versions.applied"), " ",
          moment(v.applied_at)),
        el("p", {}, fill(msg("versions.preview"), { version: v.version }), " ",
          ...["en", "de", "fr"].flatMap((l, i) => [i ? " · " : "",
            el("a", { href: `/privacy/${l}/statement?version=${encodeURIComponent(v.version)}`, lang: l, hreflang: l },
              { en: "English", de: "Deutsch", fr: "Français" }[l])])));
      if (v.changes.length) {
        section.append(changes(fill(msg("versions.caption"), { version: v.version }), v.changes));
      } else if (first) {
        section.append(el("p", {}, msg("versions.first")));
      }
      list.append(section);
    });

    // A validator's report: errors, then warnings that say what to improve. The messages are
    // the validator's own, in English.
    function report(caption, { errors, warnings }) {
      const findings = [...errors.map((f) => ["error", f]), ...warnings.map((f) => ["warning", f])];
      return findings.length
        ? table(caption, ["severity", "clause", "line", "message"],
          findings.map(([severity, f]) => [label("severity", severity), code(f.key || ""), f.line ?? "",
            el("span", { lang: "en" }, f.message || "")]))
        : el("p", {}, msg("report.clean"));
    }

    function changes(caption, list) {
      return table(caption, ["clause", "change", "before", "after", "material", "why"],
        list.map((c) => [code(c.clause), label("change", c.kind), c.before ?? "", c.after ?? "",
          yesNo(c.material), c.why ?? ""]), { rowHeader: true });
    }

    // A draft, checked before anyone applies it (POST /v1/admin/policy/validate): its report and
    // what it would change against the policy in force. Nothing is stored.
    function draftCheck(source) {
      show($("#check"));
      const form = $("#check-form");
      const out = $("#c-result");
      $("#c-source").value = source;
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        out.replaceChildren();  // no earlier draft's result while this one is checked
        busy(form, true);
        const r = await api("POST", "/v1/admin/policy/validate", $("#c-source").value, "application/yaml");
        busy(form, false);
        if (!r.ok) return out.replaceChildren(el("p", { class: "error" }, problemText(r.code)));
        const d = r.data;
        out.replaceChildren(
          el("p", { class: d.valid ? "" : "error" },
            d.valid ? fill(msg("check.valid"), { version: d.version }) : msg("check.invalid")),
          report(msg("check.report"), d),
          d.changes.length ? changes(msg("check.caption"), d.changes) : el("p", {}, msg("check.unchanged")),
          d.changes.length ? el("p", {}, msg(d.material ? "check.material" : "check.minor")) : "");
      });
    }
  },

  async audit() {
    const form = $("#audit-filters");
    fillForm(form);
    const chain = $("#chain-status");
    const verify = api("GET", "/v1/admin/audit/verify");
    // The filters are days; the API takes times.
    const since = params.get("since") ? params.get("since") + "T00:00:00Z" : "";
    const until = params.get("until") ? params.get("until") + "T00:00:00Z" : "";
    const data = await load("/v1/admin/audit" + query(["actor", "object", "action", "cursor"], { since, until }));
    const v = await verify;
    if (v.ok) {
      chain.textContent = v.data.intact
        ? fill(msg("chain.intact"), { checked: v.data.checked })
        : fill(msg("chain.broken"), { seq: v.data.first_broken_seq, reason: v.data.reason, checked: v.data.checked });
      $("#chain").classList.add(v.data.intact ? "intact" : "broken");
      if (!v.data.intact) chain.setAttribute("role", "alert");
    } else {
      chain.textContent = problemText(v.code);
    }
    if (!data) return;
    $("#audit-list").replaceChildren(data.entries.length
      ? table(msg("audit.caption"), ["seq", "time", "actor", "role", "action", "object", "purpose", "detail"],
        data.entries.map((e) => [e.seq, moment(e.time), e.actor, label("role", e.role), code(e.action),
          e.object, e.purpose, detail(e.detail)]), { rowHeader: true })
      : el("p", {}, msg("audit.empty")));
    nextPage("cursor", data.next_cursor);

    function detail(d) {
      const parts = Object.entries(d || {}).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
      return parts.length ? el("span", { class: "detail" }, parts.join(", ")) : "";
    }
  },
};

// POST /v1/admin/requests: a request received by post, email or phone, on the queue page.
function enterForm() {
  const form = $("#enter-form");
  const summary = $("#enter-errors");
  const fieldOf = { rights_required: "e-rights", complaint_with_other_rights: "e-rights",
    right_not_offered: "e-rights", invalid_identity: "e-email", invalid_country: "e-country",
    channel_not_offered: "e-channel", invalid_received_at: "e-received_at" };
  $("#e-language").value = lang;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=e-rights]:checked")].map((i) => i.value);
    const email = $("#e-email").value.trim();
    const errors = [];
    if (!chosen.length) errors.push({ field: "e-rights", text: msg("error.rights_required") });
    if (!email) errors.push({ field: "e-email", text: msg("error.email_required") });
    if (errors.length) return showErrors(form, summary, errors);
    const data = { rights: chosen, email, channel: $("#e-channel").value, language: $("#e-language").value };
    const country = $("#e-country").value.trim().toUpperCase();
    if (country) data.country = country;
    if ($("#e-received_at").value) data.received_at = $("#e-received_at").value;
    if ($("#e-verified").checked) data.identity_verified = true;
    busy(form, true);
    const r = await api("POST", "/v1/admin/requests", data);
    busy(form, false);
    if (!r.ok) {
      if (r.redirected) return;
      return showErrors(form, summary, [{ field: fieldOf[r.code], text: problemText(r.code) }]);
    }
    location.assign(`/console/${lang}/request?id=${encodeURIComponent(r.data.id)}`);
  });
}

// Every page but the sign-in page asks who is signed in, and does its own work meanwhile. Marks
// the page ready once its handlers are attached and its first data shown (the browser tests
// wait for this).
async function start() {
  if (pageName !== "signin") {
    sessionReady = api("GET", "/console/session").then((s) => {
      if (!s.ok) {
        if (s.status === 401) toSignIn();
        else pageError(s.code);
        return null;
      }
      frame(s.data);
      return s.data;
    });
  }
  // The page's data is asked for at the same time: the cookie authorises it, and without a
  // session it answers 401, which leads to the sign-in page too.
  await Promise.all([sessionReady, pages[pageName]?.()]);
}

start().finally(() => {
  body.dataset.ready = "true";
  performance.mark("privacyd-ready");
});
