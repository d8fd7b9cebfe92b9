// Headless Chromium test of the Cluster WebUI (driven by playwright-core with
// Debian's /usr/bin/chromium). Run on the test bed's client host by
// test/cluster/t_webmgr_browser.sh:
//
//   node webmgr.test.js --url http://10.32.0.1:29003/ --password PW --out DIR
//                       [--group failover1] [--from srv1] [--to srv2]
//   node webmgr.test.js --url ... --password PW --out DIR --mode core-down
//
// Logs in, waits for every server to be Online, moves the group to --to by
// clicking (Move, choose the target, OK), measures how long the tree takes to
// show the group Online on the target (must be under 2 s), finds the rc 50 /
// rc 51 alerts in the alert view, switches to Japanese, opens the config view.
// Screenshots go to --out. Prints one JSON line of results; exit 0 on success.
// --mode core-down (the cluster service of the server is stopped): logs in and
// checks that the page says so (banner, greyed-out tree) instead of a status.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

function args() {
  const a = { url: "", password: "", out: ".", group: "failover1", from: "srv1", to: "srv2",
              servers: "srv1,srv2", timeout: 30000, mode: "move" };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, "");
    if (!(k in a)) throw new Error("unknown option " + v[i]);
    a[k] = v[i + 1];
  }
  if (!a.url) throw new Error("--url is required");
  return a;
}

async function main() {
  const a = args();
  fs.mkdirSync(a.out, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "clp-chromium-"));
  const result = { ok: false, steps: [] };
  const step = (name, extra) => {
    result.steps.push(Object.assign({ step: name, t: Date.now() }, extra || {}));
    process.stderr.write(`browser: ${name}${extra ? " " + JSON.stringify(extra) : ""}\n`);
  };
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    locale: "en-US",
    bypassCSP: true, // waitForFunction evaluates its predicate; the page itself keeps its CSP
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(Number(a.timeout));
  const consoleErrors = [];
  page.on("pageerror", e => consoleErrors.push(String(e)));
  const shot = async name => page.screenshot({ path: path.join(a.out, name), fullPage: true });
  try {
    await page.goto(a.url);
    step("loaded");
    if (a.password) {
      await page.locator("#password").waitFor({ state: "visible" });
      await shot("01-login.png");
      await page.fill("#password", a.password);
      await page.click("#login-btn");
      step("login");
    }
    await page.locator("#main").waitFor({ state: "visible" });
    if (a.mode === "core-down") {
      await page.locator("#banner:not(.hidden)", { hasText: "does not answer" }).waitFor();
      await page.locator("#conn.down").waitFor();
      const shown = await page.locator('#tree .status:not([data-status=""])').count();
      if (shown) throw new Error(`${shown} status words shown while the core is down`);
      step("core down banner");
      await shot("core-down.png");
      result.ok = true;
      return;
    }
    for (const s of a.servers.split(",")) {
      await page.locator(`[data-node="server:${s}"] .status[data-status="Online"]`).waitFor();
    }
    step("servers online", { servers: a.servers });
    const group = page.locator(`[data-node="group:${a.group}"]`);
    await group.locator(".status[data-status=\"Online\"]").waitFor();
    await page.waitForFunction(([g, from]) => {
      const n = document.querySelector(`[data-node="group:${g}"] [data-field="current"]`);
      return n && n.textContent.startsWith(from);
    }, [a.group, a.from]);
    await shot("02-online.png");

    await group.locator('button[data-op="move"]').click();
    await page.locator("#modal-target").waitFor({ state: "visible" });
    await page.selectOption("#modal-target", a.to);
    await shot("03-move-dialog.png");
    const t0 = Date.now();
    await page.click("#modal-ok");
    step("move clicked", { to: a.to });
    // The first visible change (pending state or new current server), then the end state.
    await page.waitForFunction(([g, from]) => {
      const n = document.querySelector(`[data-node="group:${g}"]`);
      const st = n.querySelector(".status").dataset.status;
      const cur = n.querySelector('[data-field="current"]').textContent;
      return st !== "Online" || !cur.startsWith(from);
    }, [a.group, a.from], { polling: 50 });
    const firstChangeMs = Date.now() - t0;
    await page.waitForFunction(([g, to]) => {
      const n = document.querySelector(`[data-node="group:${g}"]`);
      return n.querySelector(".status").dataset.status === "Online" &&
        n.querySelector('[data-field="current"]').textContent === to;
    }, [a.group, a.to], { polling: 50 });
    const doneMs = Date.now() - t0;
    result.first_change_ms = firstChangeMs;
    result.moved_ms = doneMs;
    step("tree shows the group on the target", { first_change_ms: firstChangeMs, moved_ms: doneMs });
    await shot("04-moved.png");
    if (doneMs > 2000) throw new Error(`the tree showed the move after ${doneMs} ms (> 2000)`);

    await page.click('.tab[data-tab="alerts"]');
    await page.locator('#alerts tbody tr[data-module="rc"][data-id="50"]').first().waitFor();
    await page.locator('#alerts tbody tr[data-module="rc"][data-id="51"]').first().waitFor();
    step("alerts rc 50 and rc 51 shown");
    await shot("05-alerts.png");
    await page.selectOption("#f-level", "error");
    await page.fill("#f-module", "rc");
    await page.waitForTimeout(300);
    const errRows = await page.locator("#alerts tbody tr").count();
    const nonErr = await page.locator("#alerts tbody tr:not(.lv-Error)").count();
    if (nonErr) throw new Error("the level filter shows non-error rows");
    step("alert filter", { error_rows: errRows });
    await page.selectOption("#f-level", "");
    await page.fill("#f-module", "");

    await page.selectOption("#lang", "ja");
    await page.locator('.tab[data-tab="operation"]', { hasText: "操作モード" }).waitFor();
    await page.click('.tab[data-tab="operation"]');
    await page.locator(`[data-node="server:${a.from}"] .status`, { hasText: "起動済" }).waitFor();
    step("japanese");
    await shot("06-japanese.png");
    await page.selectOption("#lang", "en");

    await page.click('.tab[data-tab="config"]');
    await page.locator(`[data-config="group:${a.group}"]`).waitFor();
    step("config view");
    await shot("07-config.png");
    if (consoleErrors.length) throw new Error("page errors: " + consoleErrors.join("; "));
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.message || e);
    try { await shot("99-failure.png"); } catch (e2) { /* ignore */ }
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}

main().catch(e => { process.stderr.write(String(e.stack || e) + "\n"); process.exit(2); });
