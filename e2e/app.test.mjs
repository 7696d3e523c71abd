// End-to-end tests of the release build (dist/) in Debian's Chromium: every preset's link against the CLI's JSON,
// a slider drag, reload, Back, copying, keyboard use, sub-path hosting, no console errors; screenshots go to
// test-artifacts/. Run: node --test e2e/   (after `trunk build --release`).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { serve, SUB_PATH } from "./serve.mjs";
import { launch } from "./browser.mjs";

const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;
const cli = (...args) => execFileSync("cargo", ["run", "-q", "--", ...args], { encoding: "utf8" });
const PRESETS = cli("presets").trim().split("\n").map((l) => l.split(/\s+/)[0]);

let server, browser, context;
const problems = [];

async function open(hash, path = "") {
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(`${hash.slice(0, 40)}: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`${hash.slice(0, 40)}: ${e}`));
  await page.goto(`${server.url.slice(0, -1)}/${path}${hash}`);
  await page.waitForSelector(".totals");
  return page;
}

const totals = (page) =>
  page.$eval(".totals", (e) => ({
    params: Number(e.dataset.params),
    trainable: Number(e.dataset.trainable),
    macs: Number(e.dataset.macs),
    flops: Number(e.dataset.flops),
    activation_bytes: Number(e.dataset.activationBytes),
    time_s: Number(e.dataset.timeS),
    diagnostics: Number(e.dataset.diagnostics),
  }));

/** Waits until the URL fragment differs from `old` (writes are debounced). */
const hashChange = (page, old) => page.waitForFunction((o) => location.hash !== o, old);

/** The layer table renders only the rows near its scrolled view: scrolls it from top to bottom and returns every
 *  row's path in order, checking on the way that each rendered row sits where its index says (fixed row height). */
const allRowPaths = (page) =>
  page.evaluate(async () => {
    const wrap = document.querySelector(".layers-wrap");
    const table = wrap.querySelector("table.layers");
    const total = Number(table.dataset.rows);
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const paths = new Array(total);
    const misplaced = [];
    for (let top = 0; ; top += Math.max(24, wrap.clientHeight - 48)) {
      wrap.scrollTop = top;
      await frame();
      await frame();
      const rows = [...wrap.querySelectorAll("tbody tr.row")];
      const origin = table.tBodies[0].getBoundingClientRect().top;
      for (const r of rows) {
        const i = Number(r.dataset.index);
        paths[i] = r.dataset.path;
        const box = r.getBoundingClientRect();
        if (Math.abs(box.top - origin - i * 24) > 0.5 || Math.abs(box.height - 24) > 0.5) misplaced.push(r.dataset.path);
      }
      if (wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 1) break;
    }
    wrap.scrollTop = 0;
    return { total, paths, misplaced };
  });

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await serve();
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url.slice(0, -1) });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe("every preset's link shows the CLI's totals", () => {
  for (const preset of PRESETS) {
    test(preset, async () => {
      const link = cli("link", preset).trim();
      const want = JSON.parse(cli("summary", preset, "--format", "json"));
      const page = await open(link);
      const got = await totals(page);
      assert.equal(got.params, want.totals.params);
      assert.equal(got.trainable, want.totals.trainable_params);
      assert.equal(got.macs, want.totals.macs);
      assert.equal(got.flops, want.totals.flops);
      assert.equal(got.activation_bytes, want.totals.activation_bytes);
      assert.ok(Math.abs(got.time_s - want.totals.time_s) <= 1e-9 * want.totals.time_s, `${got.time_s} vs ${want.totals.time_s}`);
      assert.equal(got.diagnostics, 0);
      // Every layer has its row, in order (the table renders only the rows in view; scroll through it).
      const { total, paths, misplaced } = await allRowPaths(page);
      assert.equal(total, want.layers.length);
      assert.deepEqual(paths, want.layers.map((l) => l.path));
      assert.deepEqual(misplaced, []);
      await page.close();
    });
  }
});

describe("editing, history and sharing", () => {
  test("drag a slider, reload keeps the state, Back restores", async () => {
    const page = await open(cli("link", "resnet18").trim());
    const start = await totals(page);
    const startHash = await page.evaluate(() => location.hash);
    const startLength = await page.evaluate(() => history.length);
    await page.click('tr.row[data-path="conv1"]');
    const slider = page.locator(".node-editor input[type=range]").first();
    const box = await slider.boundingBox();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.25 + i * 0.03), box.y + box.height / 2);
    await page.mouse.up();
    const dragged = await totals(page);
    assert.notEqual(dragged.macs, start.macs);
    // One drag, one history entry (the selection click only replaces the entry): wait for that entry's write.
    await page.waitForFunction((n) => history.length === n + 1 && /conv1:conv\(\d+,7,/.test(location.hash), startLength);
    assert.notEqual(await page.evaluate(() => location.hash), startHash);
    const draggedHash = await page.evaluate(() => location.hash);
    assert.match(draggedHash, /conv1:conv\(\d+,7,s2,p3,nobias\)/);
    // One drag, one history entry (the selection click only replaces the entry).
    assert.equal(await page.evaluate(() => history.length), startLength + 1);
    // The URL follows the last step of the drag a moment later (a slow machine may have written an earlier step
    // first): wait until it holds still.
    await page.waitForFunction(() => new Promise((r) => { const h = location.hash; setTimeout(() => r(location.hash === h), 300); }));

    await page.reload();
    await page.waitForSelector(".totals");
    assert.deepEqual(await totals(page), dragged);

    await page.goBack();
    await page.waitForFunction((m) => document.querySelector(".totals")?.dataset.macs === String(m), start.macs);
    assert.deepEqual(await totals(page), start);
    await page.goForward();
    await page.waitForFunction((m) => document.querySelector(".totals")?.dataset.macs === String(m), dragged.macs);
    await page.close();
  });

  test("the fused-kernels switch re-times the network and travels in the link", async () => {
    const page = await open(cli("link", "resnet18").trim());
    const start = await totals(page);
    await page.check("#fused");
    await page.waitForFunction((t) => document.querySelector(".totals").dataset.timeS !== String(t), start.time_s);
    const fused = await totals(page);
    // Folding batch norm and ReLU into the convolutions removes kernels: less time, the same MACs.
    assert.ok(fused.time_s < start.time_s, `${fused.time_s} < ${start.time_s}`);
    assert.equal(fused.macs, start.macs);
    const cliTime = JSON.parse(cli("summary", "resnet18", "--fused", "--format", "json")).totals.time_s;
    assert.ok(Math.abs(fused.time_s - cliTime) <= 1e-12 * cliTime + 1e-15, `${fused.time_s} vs ${cliTime}`);
    await page.waitForFunction(() => location.hash.includes("fused=1"));
    await page.waitForFunction(() => new Promise((r) => { const h = location.hash; setTimeout(() => r(location.hash === h), 300); }));
    await page.reload();
    await page.waitForSelector(".totals");
    assert.equal((await totals(page)).time_s, fused.time_s);
    assert.ok(await page.isChecked("#fused"));
    await page.close();
  });

  test("structural edits push history entries", async () => {
    const page = await open(cli("link", "simple_cnn").trim());
    const start = await totals(page);
    const startHash = await page.evaluate(() => location.hash);
    await page.click('tr.row[data-path="0.0"]');
    // Selecting replaces the history entry; wait for that write so the push below is the only new entry.
    await hashChange(page, startHash);
    const entries = await page.evaluate(() => history.length);
    await page.click('.node-editor button[aria-label="Duplicate"]');
    const dup = await totals(page);
    assert.ok(dup.params > start.params);
    await page.waitForFunction((n) => history.length === n + 1, entries);
    await page.goBack();
    await page.waitForFunction((p) => document.querySelector(".totals")?.dataset.params === String(p), start.params);
    await page.close();
  });

  test("Copy as Markdown has every row; Copy link is the page's address", async () => {
    // resnet152: far more rows than the table renders at once; the copy has them all.
    const page = await open(cli("link", "resnet152").trim());
    const rows = JSON.parse(cli("summary", "resnet152", "--format", "json")).layers.map((l) => l.path);
    assert.ok((await page.$$("tr.row")).length < rows.length);
    await page.click("#copy-markdown");
    await page.waitForFunction(() => document.querySelector(".copy-status").textContent.includes("copied"));
    const md = await page.evaluate(() => navigator.clipboard.readText());
    const tableLines = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| #"));
    assert.equal(tableLines.length, rows.length);
    for (const path of rows) assert.ok(md.includes(`| ${path} |`), path);
    await page.click("#copy-link");
    await page.waitForFunction(() => document.querySelector(".copy-status").textContent.startsWith("link"));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
    await page.close();
  });

  test("keyboard: a slider moves with the arrow keys, a row selects with Enter", async () => {
    const page = await open(cli("link", "resnet18").trim());
    const start = await totals(page);
    await page.focus("#in-hw");
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction((m) => document.querySelector(".totals")?.dataset.macs !== String(m), start.macs);
    assert.equal(await page.inputValue("#in-hw-n"), "216");
    await page.focus('tr.row[data-path="layer2.0.conv1"]');
    await page.keyboard.press("Enter");
    await page.waitForSelector('tr.row.selected[data-path="layer2.0.conv1"]');
    assert.ok(await page.$(".node.selected .node-editor"));
    await page.close();
  });

  test("the long table: a selection in the editor scrolls to its row, arrows, Page Up/Down, Home and End move between rows, printing shows every row", async () => {
    const page = await open(cli("link", "resnet152").trim());
    const total = JSON.parse(cli("summary", "resnet152", "--format", "json")).layers.length;
    assert.equal(await page.$eval("table.layers", (t) => Number(t.dataset.rows)), total);
    const rendered = await page.$$eval("tr.row", (r) => r.length);
    assert.ok(rendered < total / 4, `${rendered} of ${total} rows rendered`);
    assert.equal(await page.$('tr.row[data-path="fc"]'), null);

    // The last layer, selected in the editor: its row is rendered, highlighted and in view (not under the
    // table's sticky header or footer, and inside the page).
    await page.locator(".node-label").filter({ has: page.locator(".node-name", { hasText: /^fc$/ }) }).click();
    await page.waitForSelector('tr.row.selected[data-path="fc"]');
    const inView = () =>
      page.evaluate(() => {
        const wrap = document.querySelector(".layers-wrap");
        const w = wrap.getBoundingClientRect();
        const head = wrap.querySelector("thead").getBoundingClientRect().height;
        const foot = wrap.querySelector("tfoot").getBoundingClientRect().height;
        const r = document.activeElement?.matches("tr.row")
          ? document.activeElement.getBoundingClientRect()
          : document.querySelector("tr.row.selected").getBoundingClientRect();
        return r.top >= w.top + head - 0.5 && r.bottom <= w.bottom - foot + 0.5 && r.top >= 0 && r.bottom <= innerHeight;
      });
    await page.waitForFunction(() => document.querySelector(".layers-wrap").scrollTop > 0);
    assert.ok(await inView(), "the selected row is out of view");

    // Arrow keys move the focus between rows, through rows that were not rendered when it started; Enter selects.
    await page.focus('tr.row[data-path="fc"]');
    for (let i = 0; i < 60; i++) await page.keyboard.press("ArrowUp");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.index), String(total - 61));
    assert.ok(await inView(), "the focused row is out of view");
    await page.keyboard.press("Enter");
    await page.waitForSelector(`tr.row.selected[data-index="${total - 61}"]`);
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.index), String(total - 60));
    // Home and End jump to rows that are not rendered; Page Up and Down move by a view of rows.
    const focused = async () => Number(await page.evaluate(() => document.activeElement?.dataset.index));
    await page.keyboard.press("Home");
    await page.waitForFunction(() => document.activeElement?.dataset.index === "0");
    assert.ok(await inView(), "Home: the first row is out of view");
    await page.keyboard.press("PageDown");
    await page.waitForFunction(() => Number(document.activeElement?.dataset.index) > 5);
    const page1 = await focused();
    assert.ok(await inView(), "PageDown: the focused row is out of view");
    await page.keyboard.press("PageDown");
    await page.waitForFunction((n) => Number(document.activeElement?.dataset.index) === 2 * n, page1);
    await page.keyboard.press("PageUp");
    await page.waitForFunction((n) => Number(document.activeElement?.dataset.index) === n, page1);
    await page.keyboard.press("End");
    await page.waitForFunction((n) => document.activeElement?.dataset.index === String(n - 1), total);
    assert.ok(await inView(), "End: the last row is out of view");

    // Printing: every row is rendered and the table's box does not clip them.
    await page.evaluate(() => dispatchEvent(new Event("beforeprint")));
    await page.waitForFunction((n) => document.querySelectorAll("tr.row").length === n, total);
    await page.emulateMedia({ media: "print" });
    assert.ok(await page.$eval(".layers-wrap", (w) => w.scrollHeight <= w.clientHeight + 1), "the printed table is clipped");
    await page.emulateMedia({ media: "screen" });
    await page.evaluate(() => dispatchEvent(new Event("afterprint")));
    await page.waitForFunction((n) => document.querySelectorAll("tr.row").length < n, total);
    await page.close();
  });

  test("an impossible layer shows its message; the rest still computes", async () => {
    const page = await open("#arch=v1/3x32x32/conv(16,3,p1)/maxpool(2)/conv(32,40)/relu/flatten/linear(10)");
    const bad = await page.textContent("tr.row.bad");
    assert.match(bad, /Conv2d/);
    assert.ok((await totals(page)).macs > 0);
    await page.close();
  });

  test("a mangled link shows a message and opens the nearest valid network", async () => {
    const link = cli("link", "resnet50").trim();
    const page = await open(link.slice(0, Math.floor(link.length * 0.6)));
    assert.match(await page.textContent(".notice.error"), /could not be read/);
    assert.ok((await page.$$("tr.row")).length > 4);
    const garbage = await open("#arch=%%%((((");
    assert.match(await garbage.textContent(".notice.error"), /could not be read/);
    assert.ok((await totals(garbage)).params > 0);
    await page.close();
    await garbage.close();
  });

  test("the build works under a sub-path", async () => {
    const page = await open(cli("link", "alexnet").trim(), SUB_PATH.slice(1));
    assert.ok((await totals(page)).params > 60_000_000);
    await page.close();
  });
});

describe("screenshots", () => {
  for (const [name, width, height, scheme] of [
    ["desktop", 1280, 800, "light"],
    ["phone", 390, 844, "light"],
    ["desktop-dark", 1280, 800, "dark"],
  ]) {
    test(name, async () => {
      const page = await open(`${cli("link", "mobilenet_v2").trim()}&sel=features.2`);
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
      await page.close();
    });
  }
});

test("no console errors or uncaught exceptions", () => {
  assert.deepEqual(problems, []);
});
