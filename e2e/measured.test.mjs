// End-to-end tests of measured mode: drop a measurement written by tools/measure/measure.py on the page, see the
// measured column hold the file's times, calibrate the device, reload the link and see both again; bad files get a
// message and change nothing. Times are checked against the fixture file (measured data, read here independently),
// never against the app's own output. Run: node --test e2e/measured.test.mjs   (after `trunk build --release`;
// DIST=/path/to/dist to test another build).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const cli = (...args) => execFileSync("cargo", ["run", "-q", "--", ...args], { encoding: "utf8" });
const fixturePath = (name) => new URL(`../tests/fixtures/measured/${name}`, import.meta.url).pathname;
const fixtureText = (name) => readFileSync(fixturePath(name), "utf8");
const fixture = JSON.parse(fixtureText("resnet18_b16_cpu.json"));

let server, browser, context;
const problems = [];

before(async () => {
  mkdirSync(new URL("../test-artifacts/", import.meta.url).pathname, { recursive: true });
  server = await serve(process.env.DIST);
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});
after(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

async function open(hash) {
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector(".totals");
  return page;
}

/** Drops a file with `text` named `name` on the page, as a file dragged from the desktop. */
const drop = (page, name, text) =>
  page.evaluate(([name, text]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: name.endsWith(".json") ? "application/json" : "" }));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, text]);

/** Picks a file with the "Load measurement…" control. */
const pick = (page, name, text) =>
  page.setInputFiles("#load-measurement", { name, mimeType: "application/json", buffer: Buffer.from(text) });

const card = (page) =>
  page.$eval("#measured", (e) => ({
    applies: e.dataset.applies,
    total: Number(e.dataset.totalS),
    matched: Number(e.dataset.matched),
    unmatched: Number(e.dataset.unmatched),
    median: Number(e.dataset.median),
  }));

/** Every row's measured cell, all rows rendered (as for printing): `path#call` → seconds. */
async function measuredCells(page) {
  await page.evaluate(() => dispatchEvent(new Event("beforeprint")));
  const n = await page.$eval("#summary", (t) => Number(t.dataset.rows));
  await page.waitForFunction((n) => document.querySelectorAll("tr.row").length === n, n);
  const cells = await page.$$eval("tr.row", (rows) => {
    const calls = {};
    return rows.map((r) => {
      const path = r.dataset.path;
      const call = (calls[path] = (calls[path] ?? -1) + 1);
      const td = r.querySelector("td.measured");
      return [`${path}#${call}`, td?.dataset.s ? Number(td.dataset.s) : null, td?.textContent ?? null];
    });
  });
  await page.evaluate(() => dispatchEvent(new Event("afterprint")));
  return cells;
}

/** Checks that every module of the fixture has its time in its row's cell, within `tolerance` (relative). */
function assertFixtureTimes(cells, tolerance) {
  const byKey = new Map(cells.map(([k, s]) => [k, s]));
  for (const m of fixture.modules) {
    const got = byKey.get(`${m.path}#${m.call}`);
    assert.ok(got != null, `${m.path}#${m.call} has a measured cell`);
    assert.ok(Math.abs(got / m.time_s - 1) <= tolerance, `${m.path}#${m.call}: ${got} vs ${m.time_s}`);
  }
  // The rows without a measurement are the residual adds and the flatten (torch.add and torch.flatten in
  // torchvision's forward: functions, not modules), shown as dashes.
  const empty = cells.filter(([, s]) => s == null);
  assert.equal(empty.length, cells.length - fixture.modules.length);
  for (const [key, , text] of empty) {
    assert.match(key, /:add#0$|^flatten#0$/);
    assert.equal(text, "–");
  }
}

/** Waits until the URL fragment holds still (writes are debounced). */
const settled = (page) =>
  page.waitForFunction(() => new Promise((r) => { const h = location.hash; setTimeout(() => r(location.hash === h), 300); }));

describe("measured mode", () => {
  const link = cli("link", "resnet18", "--batch", String(fixture.batch), "--device", "laptop_cpu").trim();
  assert.equal(fixture.dtype, "fp32");

  test("drop a measurement, see the column, calibrate, reload the link", async () => {
    const page = await open(link);
    assert.equal(await page.$("#measured"), null);
    await drop(page, "resnet18_b16_cpu.json", fixtureText("resnet18_b16_cpu.json"));
    await page.waitForSelector("#measured");
    const before = await card(page);
    assert.equal(before.applies, "true");
    assert.ok(Math.abs(before.total / fixture.total_s - 1) <= 1e-12);
    assert.equal(before.matched, fixture.modules.length);
    assert.equal(before.unmatched, 0);
    assert.match(await page.textContent(".notice"), /Loaded resnet18_b16_cpu\.json: measured on x86_64, 60 of 60/);
    assert.ok(await page.$("th:text('Measured')"));
    // Loaded from the file: the times are the file's (serde_json may read the last bit of a double differently).
    const cells = await measuredCells(page);
    assertFixtureTimes(cells, 1e-12);
    const conv1 = cells.find(([k]) => k === "conv1#0");
    assert.equal(conv1[2], `${(fixture.modules[0].time_s * 1e3).toFixed(2)} ms`);
    // The table's total is the whole network as measured.
    const total = Number(await page.$eval("tfoot td.measured", (td) => td.dataset.s));
    assert.ok(Math.abs(total / fixture.total_s - 1) <= 1e-12);
    // The compute chart offers measured time.
    await page.selectOption("#chart-metric", "measured");
    await page.waitForFunction(() => location.hash.includes("metric=measured"));
    await page.locator("#charts").screenshot({ path: new URL("../test-artifacts/measured-charts.png", import.meta.url).pathname });

    await page.click("#calibrate");
    await page.waitForFunction(() => document.querySelector("#device").value.startsWith("cal:laptop_cpu:"));
    const notice = await page.textContent(".notice");
    const [, was, now] = notice.match(/median error ×([\d.]+) → ×([\d.]+)/) ?? [];
    assert.ok(Number(now) < Number(was), notice);
    await page.waitForFunction((m) => Number(document.querySelector("#measured").dataset.median) < m, before.median);
    assert.match(await page.textContent("#calibrated"), /Calibrated from laptop_cpu: compute ×/);
    const device = await page.$eval("#device", (s) => s.value);

    await settled(page);
    const hash = await page.evaluate(() => location.hash);
    assert.ok(hash.includes("&meas=1,16,fp32,x86_64,"), hash);
    assert.ok(hash.includes(`device=${device}`), hash);
    await page.reload();
    await page.waitForSelector("#measured");
    assert.equal(await page.$eval("#device", (s) => s.value), device);
    const reloaded = await card(page);
    assert.equal(reloaded.matched, fixture.modules.length);
    assert.ok(Math.abs(reloaded.total / fixture.total_s - 1) <= 5e-5);
    // From the link: five significant digits.
    assertFixtureTimes(await measuredCells(page), 5e-5);
    await page.screenshot({ path: new URL("../test-artifacts/measured.png", import.meta.url).pathname });

    await page.click("#clear-measurement");
    await page.waitForFunction(() => !document.querySelector("#measured"));
    await settled(page);
    assert.ok(!(await page.evaluate(() => location.hash)).includes("meas="));
    await page.close();
  });

  test("bad files are named and change nothing", async () => {
    const page = await open(link);
    const good = fixtureText("resnet18_b16_cpu.json");
    const cases = [
      ["schema.json", good.replace("convscope.measurement/1", "convscope.summary/1"), /unknown schema `convscope\.summary\/1`/],
      ["negative.json", good.replace(String(fixture.modules[0].time_s), "-0.01"), /module conv1 \(call 0\) has time -0\.01/],
      ["zero.json", good.replace(String(fixture.modules[1].time_s), "0"), /module bn1 \(call 0\) has time 0: times must be positive and finite/],
      ["resnet50_b16_cpu.json", fixtureText("resnet50_b16_cpu.json"), /another network/],
      ["resnet18_b1_cpu.json", fixtureText("resnet18_b1_cpu.json"), /measured at batch 1, this page is at batch 16/],
      ["fp16.json", good.replace('"dtype": "fp32"', '"dtype": "fp16"'), /measured in fp16, this page computes in fp32/],
      ["huge.json", " ".repeat(5 * 1024 * 1024 + 1), /over 5242880 bytes are refused/],
    ];
    for (const [name, text, message] of cases) {
      await pick(page, name, text);
      await page.waitForFunction((n) => document.querySelector(".notice.error")?.textContent.includes(n), name);
      const notice = await page.textContent(".notice.error");
      assert.match(notice, message, name);
      assert.match(notice, /Nothing was changed/, name);
      assert.equal(await page.$("#measured"), null, name);
      await page.click(".notice button");
    }
    // The page still works: a good file dropped now loads.
    await drop(page, "resnet18_b16_cpu.json", good);
    await page.waitForSelector("#measured");
    await page.close();
  });

  test("no console errors", () => {
    assert.deepEqual(problems, []);
  });
});
