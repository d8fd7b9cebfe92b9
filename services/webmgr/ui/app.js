// Cluster WebUI: the operation view (status tree with live status and
// operations), the alert log (filters, live tail) and the configuration view.
// It talks only to the WebManager's own /api/v1 (same origin); nothing is
// loaded from anywhere else. The status is polled every 500 ms; when the
// cluster service does not answer, the tree is greyed out and a banner says
// so instead of showing the last status as current.
"use strict";
(function () {
  const POLL_MS = 500;
  const ALERT_POLL_MS = 1000;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const S = {
    session: null, csrf: "", lang: "en", status: null, shape: "",
    coreDown: false, tab: "operation",
    recentCursor: "", alertCursor: "", alertRows: [], filterKey: "",
    pollTimer: null, alertTimer: null, configLoaded: false,
  };

  // ---- texts ----
  function t(key, vars) {
    const d = window.CLP_TEXTS[S.lang] || {};
    let s = d[key] !== undefined ? d[key] : (window.CLP_TEXTS.en[key] !== undefined ? window.CLP_TEXTS.en[key] : key);
    for (const k in (vars || {})) s = s.split("{" + k + "}").join(vars[k]);
    return s;
  }
  function statusText(word) {
    if (!word) return "\u2014";
    const k = "status." + word;
    const d = window.CLP_TEXTS[S.lang] || {};
    return d[k] || word;
  }
  function applyTexts() {
    document.documentElement.lang = S.lang;
    $$("[data-t]").forEach(e => { e.textContent = t(e.dataset.t); });
    $$("[data-tp]").forEach(e => { e.placeholder = t(e.dataset.tp); });
    $("#lang").value = S.lang;
    if (S.session) showWho();
    S.shape = "";
    if (S.status) renderStatus(S.status);
    if (S.configLoaded) loadConfig();
  }

  // ---- HTTP ----
  async function api(method, path, body) {
    const h = { "X-CLP-UI": "1" };
    if (method === "POST") {
      h["Content-Type"] = "application/json";
      if (S.csrf) h["X-CSRF-Token"] = S.csrf;
    }
    let res;
    try {
      res = await fetch(path, { method, headers: h, credentials: "same-origin",
                               body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { status: 0, json: { result: { code: 0, message: "WebManager unreachable: " + e.message } } };
    }
    let json = null;
    try { json = await res.json(); } catch (e) { json = { result: { code: res.status, message: res.statusText } }; }
    if (res.status === 401 && !path.endsWith("/login")) needLogin();
    return { status: res.status, json };
  }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in (attrs || {})) {
      if (k === "class") e.className = attrs[k];
      else if (k === "text") e.textContent = attrs[k];
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of kids) if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return e;
  }

  function toast(msg, bad) {
    const b = $("#toast");
    b.textContent = msg;
    b.classList.toggle("bad", !!bad);
    b.classList.remove("hidden");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => b.classList.add("hidden"), 6000);
  }

  // ---- session ----
  function canOperate() { return S.session && S.session.right === "operation"; }
  function showWho() {
    $("#who").textContent = (S.session.server ? S.session.server + " \u00b7 " : "") +
      t("right." + S.session.right);
    $("#logout").classList.toggle("hidden", !S.session.passwords || !S.session.authenticated);
  }
  function needLogin() {
    stopPolling();
    $("#main").classList.add("hidden");
    $("#login").classList.remove("hidden");
    $("#password").focus();
  }
  async function start() {
    const r = await api("GET", "api/v1/session");
    if (r.status !== 200) { toast(r.json.result.message, true); return; }
    S.session = r.json.session;
    S.lang = localStorage.getItem("clpLang") || S.session.lang || "en";
    if (S.session.csrf) S.csrf = S.session.csrf;
    $("#cluster-name").textContent = S.session.cluster || "";
    applyTexts();
    if (S.session.right === "none") { needLogin(); return; }
    $("#login").classList.add("hidden");
    $("#main").classList.remove("hidden");
    document.body.classList.toggle("readonly", !canOperate());
    $$(".toolbar button.op").forEach(b => { b.disabled = !canOperate(); });
    startPolling();
  }
  async function login(ev) {
    ev.preventDefault();
    const r = await api("POST", "api/v1/login", { password: $("#password").value });
    if (r.status !== 200) {
      $("#login-error").textContent = r.status === 401 ? t("login.wrong") : r.json.result.message;
      return;
    }
    $("#password").value = "";
    $("#login-error").textContent = "";
    S.csrf = r.json.session.csrf;
    start();
  }
  async function logout() {
    await api("POST", "api/v1/logout", {});
    S.csrf = "";
    location.reload();
  }

  // ---- polling ----
  function startPolling() {
    stopPolling();
    pollStatus();
    pollAlerts();
  }
  function stopPolling() {
    clearTimeout(S.pollTimer);
    clearTimeout(S.alertTimer);
    S.pollTimer = S.alertTimer = null;
  }
  async function pollStatus() {
    const r = await api("GET", "api/v1/status");
    if (r.status === 401) return;
    if (r.status === 200) {
      S.coreDown = false;
      $("#banner").classList.add("hidden");
      $("#conn").className = "conn";
      $("#conn").textContent = t("conn.ok");
      S.status = r.json;
      renderStatus(r.json);
    } else {
      S.coreDown = true;
      const b = $("#banner");
      b.textContent = t("core.down", { server: S.session.server, msg: r.json.result.message });
      b.classList.remove("hidden");
      $("#conn").className = "conn down";
      $("#conn").textContent = t("conn.down");
      markStale();
    }
    S.pollTimer = setTimeout(pollStatus, POLL_MS);
  }
  function markStale() {
    $("#tree").classList.add("stale");
    $$(".status").forEach(s => { s.dataset.status = ""; s.textContent = statusText(""); });
  }

  // ---- the status tree ----
  function statusSpan(word) {
    return el("span", { class: "status", "data-status": word || "", text: statusText(word) });
  }
  function setStatus(span, word) {
    if (!span) return;
    if (span.dataset.status !== word) span.dataset.status = word;
    const txt = statusText(word);
    if (span.textContent !== txt) span.textContent = txt;
  }
  function opButton(scope, name, op, label) {
    return el("button", { class: "op", "data-scope": scope, "data-name": name, "data-op": op,
                          text: t(label || "op." + op) });
  }
  function node(kind, name, sub, ...rest) {
    return el("div", { class: "node" + (sub ? " sub" : ""), "data-node": kind + ":" + name },
      el("span", { class: "name", text: name }), ...rest);
  }
  function shapeOf(st) {
    return JSON.stringify([S.lang, S.session.right,
      st.servers.map(s => [s.name, s.heartbeats.map(h => h.name), s.np.map(n => n.name)]),
      st.groups.map(g => [g.name, g.resources.map(r => r.name)]),
      st.monitors.map(m => [m.name, m.servers.map(s => s.name)])]);
  }
  function hbInfo(h) {
    const p = (h.peers || []).find(x => x.last_rx_age_ms !== null && x.last_rx_age_ms !== undefined);
    return p ? ` ${p.last_rx_age_ms} ms` : "";
  }
  function build(st) {
    const tree = $("#tree");
    tree.textContent = "";
    tree.appendChild(el("h4", { text: t("servers") }));
    for (const s of st.servers) {
      tree.appendChild(node("server", s.name, false, statusSpan(s.status),
        el("span", { class: "info", "data-field": "master" }),
        el("span", { class: "actions" },
          opButton("server", s.name, "start"), opButton("server", s.name, "stop"),
          opButton("server", s.name, "shutdown"), opButton("server", s.name, "reboot"))));
      for (const h of s.heartbeats) {
        tree.appendChild(node("hb", s.name + "/" + h.name, true, statusSpan(h.status),
          el("span", { class: "info", "data-field": "hbinfo" })));
        tree.lastChild.querySelector(".name").textContent = h.name;
      }
      for (const n of s.np) {
        tree.appendChild(node("np", s.name + "/" + n.name, true, statusSpan(n.status),
          el("span", { class: "info", text: t("np") })));
        tree.lastChild.querySelector(".name").textContent = n.name;
      }
    }
    tree.appendChild(el("h4", { text: t("groups") }));
    for (const g of st.groups) {
      tree.appendChild(node("group", g.name, false, statusSpan(g.status),
        el("span", { class: "info" }, t("current") + ": ", el("span", { "data-field": "current" })),
        el("span", { class: "actions" },
          opButton("group", g.name, "start"), opButton("group", g.name, "stop"),
          opButton("group", g.name, "move"))));
      for (const r of g.resources) {
        tree.appendChild(node("resource", r.name, true, statusSpan(r.status),
          el("span", { class: "info", text: r.type }),
          el("span", { class: "actions" },
            opButton("resource", r.name, "start"), opButton("resource", r.name, "stop"))));
      }
    }
    tree.appendChild(el("h4", { text: t("monitors") }));
    for (const m of st.monitors) {
      tree.appendChild(node("monitor", m.name, false, statusSpan(m.status),
        el("span", { class: "info", "data-field": "perserver" }),
        el("span", { class: "actions" },
          opButton("monitor", m.name, "suspend"), opButton("monitor", m.name, "resume"),
          opButton("monitor", m.name, "dummy-on"), opButton("monitor", m.name, "dummy-off"))));
    }
    $$("#tree button.op").forEach(b => { b.disabled = !canOperate(); });
  }
  function find(kind, name) {
    return $$(".node").find(n => n.dataset.node === kind + ":" + name);
  }
  function renderStatus(st) {
    const shape = shapeOf(st);
    if (shape !== S.shape) { build(st); S.shape = shape; }
    $("#tree").classList.remove("stale");
    setStatus($("#cluster-status"), st.cluster.status);
    $("#master").textContent = st.master || "-";
    $("#updated").textContent = new Date().toLocaleTimeString();
    for (const s of st.servers) {
      const n = find("server", s.name);
      setStatus(n.querySelector(".status"), s.status);
      n.querySelector('[data-field="master"]').textContent = s.master ? "\u2605 " + t("master") : "";
      for (const h of s.heartbeats) {
        const hn = find("hb", s.name + "/" + h.name);
        setStatus(hn.querySelector(".status"), h.status);
        hn.querySelector('[data-field="hbinfo"]').textContent = h.type + hbInfo(h);
      }
      for (const x of s.np) setStatus(find("np", s.name + "/" + x.name).querySelector(".status"), x.status);
    }
    for (const g of st.groups) {
      const n = find("group", g.name);
      setStatus(n.querySelector(".status"), g.status);
      n.querySelector('[data-field="current"]').textContent = g.current +
        (g.operation ? " (" + g.operation + ")" : "");
      for (const r of g.resources) setStatus(find("resource", r.name).querySelector(".status"), r.status);
    }
    for (const m of st.monitors) {
      const n = find("monitor", m.name);
      setStatus(n.querySelector(".status"), m.status);
      n.querySelector('[data-field="perserver"]').textContent =
        m.type + "  " + m.servers.map(x => x.name + ":" + statusText(x.status)).join("  ");
    }
    const fs = $("#f-server");
    if (fs.options.length !== st.servers.length + 1) {
      fs.length = 1;
      for (const s of st.servers) fs.appendChild(el("option", { value: s.name, text: s.name }));
    }
  }

  // ---- operations ----
  function ask(title, text, targets, withPolicy) {
    return new Promise(resolve => {
      $("#modal-title").textContent = title;
      $("#modal-text").textContent = text;
      const row = $("#modal-target-row"), sel = $("#modal-target");
      sel.length = 0;
      row.classList.toggle("hidden", !targets);
      if (targets) {
        if (withPolicy) sel.appendChild(el("option", { value: "", text: t("policy") }));
        for (const x of targets) sel.appendChild(el("option", { value: x, text: x }));
      }
      const m = $("#modal");
      m.classList.remove("hidden");
      const done = ok => {
        m.classList.add("hidden");
        $("#modal-form").onsubmit = null;
        $("#modal-cancel").onclick = null;
        resolve(ok ? { target: sel.value } : null);
      };
      $("#modal-form").onsubmit = e => { e.preventDefault(); done(true); };
      $("#modal-cancel").onclick = () => done(false);
      $("#modal-ok").focus();
    });
  }
  function opPath(scope, name, op) {
    const n = encodeURIComponent(name || "");
    switch (scope) {
      case "cluster": return "api/v1/cluster/" + op;
      case "server": return `api/v1/servers/${n}/${op}`;
      case "group": return `api/v1/groups/${n}/${op}`;
      case "resource": return `api/v1/resources/${n}/${op}`;
      case "monitor":
        if (op === "dummy-on") return `api/v1/monitors/${n}/dummy-failure/start`;
        if (op === "dummy-off") return `api/v1/monitors/${n}/dummy-failure/stop`;
        return `api/v1/monitors/${n}/${op}`;
    }
    return "";
  }
  async function runOp(btn) {
    const scope = btn.dataset.scope, name = btn.dataset.name || "", op = btn.dataset.op;
    if (scope === "logs") { collectLogs(); return; }
    const opName = t("op." + op);
    const obj = scope === "cluster" ? (S.session.cluster || t("cluster")) : name;
    const servers = (S.status ? S.status.servers : []).map(s => s.name);
    let targets = null, withPolicy = false;
    if (scope === "group" && (op === "move" || op === "start")) {
      const g = S.status.groups.find(x => x.name === name);
      targets = servers.filter(s => !(op === "move" && g && g.current === s));
      withPolicy = true;
    }
    const a = await ask(opName, t("confirm", { op: opName, obj }), targets, withPolicy);
    if (!a) return;
    const body = a.target ? { target: a.target } : {};
    const r = await api("POST", opPath(scope, name, op), body);
    const msg = r.json && r.json.result ? r.json.result.message : String(r.status);
    if (r.status === 200) toast(t("done", { op: opName, obj, msg }));
    else toast(t("failed", { op: opName, obj, msg }), true);
  }
  async function collectLogs() {
    const a = await ask(t("op.logs"), t("confirm", { op: t("op.logs"), obj: S.session.cluster }));
    if (!a) return;
    const r = await api("POST", "api/v1/logs/collect", { type: "type1" });
    if (r.status !== 200) { toast(t("logs.failed") + r.json.result.message, true); return; }
    const id = r.json.job.id;
    $("#logs-state").textContent = t("logs.running");
    const poll = async () => {
      const j = await api("GET", "api/v1/logs/collect/" + id);
      if (j.status !== 200) { $("#logs-state").textContent = t("logs.failed") + j.json.result.message; return; }
      const job = j.json.job;
      if (job.state === "running") { setTimeout(poll, 1000); return; }
      if (job.state === "failed") { $("#logs-state").textContent = t("logs.failed") + job.message; return; }
      $("#logs-state").textContent = t("logs.done") + job.file;
      const a2 = el("a", { href: "api/v1/logs/download/" + id, download: job.file });
      document.body.appendChild(a2);
      a2.click();
      a2.remove();
    };
    setTimeout(poll, 1000);
  }

  // ---- alerts ----
  function alertFilter() {
    const q = new URLSearchParams();
    if ($("#f-level").value) q.set("level", $("#f-level").value);
    if ($("#f-server").value) q.set("server", $("#f-server").value);
    if ($("#f-module").value.trim()) q.set("module", $("#f-module").value.trim());
    if ($("#f-text").value.trim()) q.set("text", $("#f-text").value.trim());
    return q;
  }
  function alertRow(a) {
    return el("tr", { class: "lv-" + a.level, "data-module": a.module, "data-id": String(a.id) },
      el("td", { text: a.time }), el("td", { text: a.server }), el("td", { text: a.module }),
      el("td", { text: String(a.id) }), el("td", { text: t("level." + a.level) }),
      el("td", { text: a.text }));
  }
  async function loadAlerts(reset) {
    const q = alertFilter();
    const key = q.toString();
    if (reset || key !== S.filterKey) { S.alertCursor = ""; S.filterKey = key; $("#alerts tbody").textContent = ""; S.alertCount = 0; }
    if (S.alertCursor) q.set("cursor", S.alertCursor); else q.set("limit", "500");
    const r = await api("GET", "api/v1/alerts?" + q.toString());
    if (r.status !== 200) return;
    if (r.json.reset) { S.alertCursor = ""; return loadAlerts(true); }
    const tb = $("#alerts tbody");
    for (const a of r.json.alerts) { tb.insertBefore(alertRow(a), tb.firstChild); S.alertCount++; }
    while (tb.rows.length > 2000) tb.deleteRow(tb.rows.length - 1);
    S.alertCursor = r.json.cursor;
    $("#alerts-count").textContent = t("alerts.count", { n: tb.rows.length });
  }
  async function loadRecent() {
    const q = new URLSearchParams();
    if (S.recentCursor) q.set("cursor", S.recentCursor); else q.set("limit", "30");
    const r = await api("GET", "api/v1/alerts?" + q.toString());
    if (r.status !== 200) return;
    if (r.json.reset) { S.recentCursor = ""; $("#recent-alerts").textContent = ""; return; }
    const ol = $("#recent-alerts");
    for (const a of r.json.alerts) {
      ol.insertBefore(el("li", { class: "lv-" + a.level, "data-module": a.module, "data-id": String(a.id) },
        `${a.time.slice(11, 19)} ${a.server} ${a.module} ${a.id}: ${a.text}`), ol.firstChild);
    }
    while (ol.children.length > 60) ol.removeChild(ol.lastChild);
    S.recentCursor = r.json.cursor;
  }
  async function pollAlerts() {
    try {
      await loadRecent();
      if (S.tab === "alerts" && $("#f-tail").checked) await loadAlerts(false);
    } finally {
      S.alertTimer = setTimeout(pollAlerts, ALERT_POLL_MS);
    }
  }

  // ---- configuration ----
  function dl(obj, skip) {
    const d = el("dl");
    for (const k in obj) {
      if ((skip || []).includes(k)) continue;
      let v = obj[k];
      if (Array.isArray(v)) v = v.map(x => typeof x === "object" ? (x.name || x.address || JSON.stringify(x)) : x).join(", ");
      else if (v && typeof v === "object") v = Object.keys(v).map(x => x + "=" + v[x]).join("  ");
      d.appendChild(el("dt", { text: k }));
      d.appendChild(el("dd", { text: String(v) }));
    }
    return d;
  }
  function section(title, ...kids) {
    return el("section", {}, el("h3", { text: title }), ...kids);
  }
  async function loadConfig() {
    const r = await api("GET", "api/v1/config");
    if (r.status !== 200) return;
    S.configLoaded = true;
    const c = r.json.config, root = $("#config");
    root.textContent = "";
    $("#config-hash").textContent = "sha256 " + c.cluster.sha256.slice(0, 16);
    $("#export").classList.toggle("hidden", !canOperate());
    root.appendChild(section(t("config.cluster"), dl(c.cluster, ["sha256"])));
    root.appendChild(section(t("config.servers"),
      ...c.servers.map(s => el("div", { class: "obj", "data-config": "server:" + s.name },
        el("strong", { text: s.name }), dl(s, ["name"])))));
    root.appendChild(section(t("config.heartbeats"),
      ...c.heartbeats.map(h => el("div", { class: "obj" }, el("strong", { text: h.name }), dl(h, ["name"]))),
      ...c.nps.map(h => el("div", { class: "obj" }, el("strong", { text: h.name }), dl(h, ["name"])))));
    root.appendChild(section(t("config.groups"),
      ...c.groups.map(g => el("div", { class: "obj", "data-config": "group:" + g.name },
        el("strong", { text: g.name }), dl(g, ["name", "resources"]),
        el("div", { class: "muted", text: t("config.resources") }),
        ...g.resources.map(r => el("div", { class: "obj" }, el("strong", { text: r.name }), dl(r, ["name"])))))));
    root.appendChild(section(t("config.monitors"),
      ...c.monitors.map(m => el("div", { class: "obj" }, el("strong", { text: m.name }), dl(m, ["name"])))));
    root.appendChild(section(t("config.webmgr"), dl(c.webmgr)));
  }

  // ---- wiring ----
  function showTab(name) {
    S.tab = name;
    $$(".tab").forEach(b => b.classList.toggle("active", b.dataset.tab === name));
    $$(".view").forEach(v => v.classList.toggle("hidden", v.id !== "view-" + name));
    if (name === "alerts") loadAlerts(true);
    if (name === "config") loadConfig();
  }
  document.addEventListener("DOMContentLoaded", () => {
    $$(".tab").forEach(b => b.addEventListener("click", () => showTab(b.dataset.tab)));
    $("#login-form").addEventListener("submit", login);
    $("#logout").addEventListener("click", logout);
    $("#lang").addEventListener("change", e => {
      S.lang = e.target.value;
      localStorage.setItem("clpLang", S.lang);
      applyTexts();
    });
    document.body.addEventListener("click", e => {
      const b = e.target.closest("button.op");
      if (b && !b.disabled) runOp(b);
    });
    for (const id of ["#f-level", "#f-server"]) $(id).addEventListener("change", () => loadAlerts(true));
    for (const id of ["#f-module", "#f-text"]) $(id).addEventListener("input", () => loadAlerts(true));
    start();
  });
})();
