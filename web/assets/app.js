// The Privacy Center's one script: forms talk JSON to privacyd; the request and preferences
// tokens stay in an HttpOnly session cookie, and every change authorised by it carries the
// session's CSRF token. No framework, no third party, nothing stored in the browser.
const body = document.body;
const lang = body.dataset.lang;
const messages = JSON.parse(document.getElementById("messages").textContent);
const $ = (selector, root = document) => root.querySelector(selector);
const msg = (key) => messages[key] ?? messages["error.generic"];
const problemText = (code) => messages["problem." + code] ?? messages["error.generic"];
const show = (el, on = true) => { if (el) el.hidden = !on; };
let csrf = "";

for (const a of document.querySelectorAll(".langs a")) {
  if (a.dataset.lang === lang) a.setAttribute("aria-current", "true");
  a.href += location.search;
}

async function api(method, url, data) {
  const headers = { "Accept": "application/json", "Accept-Language": lang };
  if (data !== undefined) headers["Content-Type"] = "application/json";
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  try {
    const res = await fetch(url, { method, headers, credentials: "same-origin",
      body: data === undefined ? undefined : JSON.stringify(data) });
    const json = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, data: json, code: res.ok ? "" : json.code || "" };
  } catch {
    return { ok: false, status: 0, data: {}, code: "network" };
  }
}

// The session's state as the server put it into the page (the status and preferences pages),
// with the data the page shows first: used once, instead of asking for it.
let served = (() => {
  const block = document.getElementById("session");
  return block ? JSON.parse(block.textContent) : null;
})();

async function session() {
  if (served) {
    const s = served;
    served = null;
    csrf = s.csrf_token;
    return s;
  }
  const r = await api("GET", "/privacy/session");
  csrf = r.ok ? r.data.csrf_token : "";
  return r.ok ? r.data : {};
}

// What `url` answers, or the data the page came with.
const first = (s, url) => (s.data ? { ok: true, data: s.data } : api("GET", url));

// Which field a problem code is about; others go to the summary only.
const problemField = {
  invalid_identity: "email", invalid_country: "country", rights_required: "rights",
  complaint_with_other_rights: "rights", right_not_offered: "rights", invalid_code: "code",
  invalid_transfer_url: "transfer_url", transfer_url_not_expected: "transfer_url",
  code_attempts_exhausted: "code",
};

function clearErrors(root) {
  for (const e of root.querySelectorAll(".error")) { e.textContent = ""; e.hidden = true; }
  for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const summary = $(".errors", root) || $(".errors");
  if (summary) { summary.replaceChildren(); summary.hidden = true; }
}

// errors: [{field, text}]. Each shows beside its field (tied by aria-describedby) and in the
// summary, an alert region that screen readers announce.
function showErrors(root, errors) {
  clearErrors(root);
  const summary = $(".errors", root) || $(".errors");
  const head = document.createElement("p");
  head.textContent = msg("errors.summary");
  summary.append(head);
  for (const { field, text } of errors) {
    const line = document.createElement("p");
    const target = field && document.getElementById(field === "rights" ? "r-access" : field);
    if (target) {
      const link = document.createElement("a");
      link.href = "#" + target.id;
      link.textContent = text;
      line.append(link);
      const slot = document.getElementById(field + "-error");
      if (slot) { slot.textContent = text; slot.hidden = false; }
      if (field !== "rights") target.setAttribute("aria-invalid", "true");
    } else {
      line.textContent = text;
    }
    summary.append(line);
  }
  summary.hidden = false;
  summary.focus();
}

// `field` is the member a problem names ("email", "identities.phone"), when it names one.
const problem = (root, code, field) => {
  const target = field ? field.replace(/^identities\./, "") : problemField[code];
  const text = code === "network" ? msg("error.network")
    : messages[`problem.${code}.${target}`] ?? problemText(code);
  showErrors(root, [{ field: target, text }]);
};

function busy(form, on) {
  for (const b of form.querySelectorAll("button")) b.disabled = on;
}

const codeValid = (code) => /^\d{6}$/.test(code);
const page = (path) => `/privacy/${lang}/${path}`;
const date = (iso) => new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(new Date(iso));

const pages = {
  request() {
    const form = $("#request-form");
    // Data to take elsewhere may also be sent straight to the other service.
    const portability = $("#r-portability");
    const toggle = () => show($("#transfer"), portability.checked);
    portability.addEventListener("change", toggle);
    toggle();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const rights = [...form.querySelectorAll("input[name=rights]:checked")].map((i) => i.value);
      const email = $("#email").value.trim();
      const errors = [];
      if (!rights.length) errors.push({ field: "rights", text: msg("error.rights_required") });
      if (!email) errors.push({ field: "email", text: msg("error.email_required") });
      if (errors.length) return showErrors(form, errors);
      busy(form, true);
      const country = $("#country").value.trim().toUpperCase();
      const body = { rights, email, country, language: lang };
      const transfer = $("#transfer_url").value.trim();
      if (portability.checked && transfer) body.transfer_url = transfer;
      const phone = $("#phone").value.trim();
      if (phone) body.identities = { phone };
      const r = await api("POST", "/v1/requests", body);
      busy(form, false);
      if (!r.ok) return problem(form, r.code, r.data.field);
      location.assign(page("request/verify?id=" + encodeURIComponent(r.data.id)));
    });
  },

  "request-verify"() {
    const form = $("#verify-form");
    const id = new URLSearchParams(location.search).get("id") || "";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = $("#code").value.trim();
      if (!codeValid(code)) return showErrors(form, [{ field: "code", text: msg("error.code_format") }]);
      busy(form, true);
      const r = await api("POST", "/privacy/session/request", { id, code });
      busy(form, false);
      if (!r.ok) return problem(form, r.code);
      location.assign(page("request/status"));
    });
    $("#resend").addEventListener("click", async () => {
      const r = await api("POST", `/v1/requests/${encodeURIComponent(id)}/code`, {});
      if (!r.ok) return problem(form, r.code);
      clearErrors(form);
      const notice = $(".notice");
      notice.textContent = notice.dataset.resent;
    });
  },

  async "request-status"() {
    const s = await session();
    const r = s.request ? await first(s, "/privacy/session/request") : { ok: false };
    // Back from a download that failed (its window closed, the session ended): say why.
    const failed = new URLSearchParams(location.search).get("problem");
    if (failed) $(".notice").textContent = problemText(failed);
    if (!r.ok) return show($("#status-none"));
    render(r.data);
    const form = $("#confirm-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = $("#code").value.trim();
      if (!codeValid(code)) return showErrors(form, [{ field: "code", text: msg("error.code_format") }]);
      busy(form, true);
      const v = await api("POST", "/privacy/session/request", { id: r.data.id, code });
      busy(form, false);
      if (!v.ok) return problem(form, v.code);
      clearErrors(form);
      csrf = v.data.csrf_token;
      render(v.data.request);
    });
    $("#withdraw").addEventListener("click", async () => {
      const w = await api("POST", "/privacy/session/request/withdraw", {});
      if (!w.ok) return problem(document, w.code);
      render(w.data);
      const notice = $(".notice");
      notice.textContent = notice.dataset.withdrawn;
    });

    function render(req) {
      show($("#status"));
      $("#s-id").textContent = req.id;
      $("#s-state").textContent = msg("state." + req.state);
      $("#s-rights").textContent = req.rights.map((x) => msg("right." + x)).join(", ");
      $("#s-received").textContent = date(req.received_at);
      $("#s-due").replaceChildren(Object.assign(document.createElement("time"),
        { dateTime: req.due_at, textContent: date(req.due_at) }));
      const open = !["completed", "partially_completed", "refused", "withdrawn"].includes(req.state);
      show($("#confirm"), open && req.needs_confirmation && req.state === "in_progress");
      show($("#withdraw"), open);
      const data = req.rights.includes("access") || req.rights.includes("portability");
      show($("#download"), data && ["completed", "partially_completed"].includes(req.state));
      for (const el of document.querySelectorAll(".s-transfer")) show(el, !!req.transfer_host);
      $("#s-transfer").textContent = req.transfer_host ?? "";
      if (req.download_until) {
        $("#download-until").textContent =
          msg("status.download.until").replace("{date}", date(req.download_until));
      }
    }

  },

  async preferences() {
    const codeForm = $("#code-form");
    const prefsForm = $("#prefs-form");
    const notice = $(".notice");
    codeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = $("#email").value.trim();
      if (!email) return showErrors(codeForm, [{ field: "email", text: msg("error.email_required") }]);
      busy(codeForm, true);
      const r = await api("POST", "/v1/preferences/code", { email });
      busy(codeForm, false);
      if (!r.ok) return problem(codeForm, r.code);
      clearErrors(codeForm);
      notice.textContent = notice.dataset.sent;
      show($("#code-step"));
      $("#code").focus();
    });
    $("#open").addEventListener("click", async () => {
      const code = $("#code").value.trim();
      if (!codeValid(code)) return showErrors(codeForm, [{ field: "code", text: msg("error.code_format") }]);
      busy(codeForm, true);
      const r = await api("POST", "/privacy/session/preferences", { email: $("#email").value.trim(), code });
      busy(codeForm, false);
      if (!r.ok) return problem(codeForm, r.code);
      clearErrors(codeForm);
      notice.textContent = "";
      csrf = r.data.csrf_token;
      render(r.data);
    });
    prefsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const topics = {};
      for (const i of prefsForm.querySelectorAll("input[name=topic]")) topics[i.value] = i.checked;
      // Unsubscribing from all wins over the boxes still ticked (the API applies topics last).
      const change = $("#unsubscribe-all").checked ? { unsubscribe_all: true } : { topics };
      if ($("#object").checked) change.object = true;
      busy(prefsForm, true);
      const r = await api("PUT", "/privacy/session/preferences", change);
      busy(prefsForm, false);
      if (!r.ok) return problem(prefsForm, r.code);
      clearErrors(prefsForm);
      render(r.data);
      notice.textContent = notice.dataset.saved;
    });
    $("#signout").addEventListener("click", async () => {
      await api("DELETE", "/privacy/session");
      location.reload();
    });

    // From a mail's Preference Center link: its token in the fragment, handed to the session and
    // taken out of the address bar (and so out of the history).
    const link = new URLSearchParams(location.hash.slice(1)).get("link");
    if (link) {
      history.replaceState(null, "", location.pathname);
      await session();
      const r = await api("POST", "/privacy/session/preferences", { link });
      if (r.ok) {
        csrf = r.data.csrf_token;
        return render(r.data);
      }
      problem(document, r.code);
    }
    const s = await session();
    if (s.preferences) {
      const r = await first(s, "/privacy/session/preferences");
      if (r.ok) return render(r.data);
    }
    show(codeForm);

    function render(prefs) {
      show(codeForm, false);
      show(prefsForm);
      const list = $("#topics");
      list.replaceChildren();
      for (const t of prefs.topics) {
        const row = $("#topic-template").content.firstElementChild.cloneNode(true);
        const input = $("input", row);
        input.id = "topic-" + t.id;
        input.value = t.id;
        input.checked = t.subscribed;
        input.setAttribute("aria-describedby", "topic-" + t.id + "-h");
        const label = $("label", row);
        label.htmlFor = input.id;
        label.textContent = t.name;
        const hint = $(".hint", row);
        hint.id = "topic-" + t.id + "-h";
        hint.textContent = t.description + (t.pending_confirmation ? " (" + list.dataset.pending + ")" : "");
        list.append(row);
      }
      $("#unsubscribe-all").checked = false;
      $("#object").checked = prefs.objected_to_marketing;
    }
  },
};

// Marks the page ready once its handlers are attached and its first data shown (the browser
// tests wait for this, and measure it).
Promise.resolve(pages[body.dataset.page]?.()).finally(() => {
  body.dataset.ready = "true";
  performance.mark("privacyd-ready");
});
