// End-to-end tests of the charts in the release build (dist/): the four canvases are painted, hovering shows a
// layer's tooltip, clicking selects that layer in the table, Export PNG downloads a PNG, a slider repaints within
// the `convscope:update` measure; screenshots at desktop and phone sizes (light and dark) go to test-artifacts/.
// Run: node --test e2e/charts.test.mjs   (after `trunk build --release`; DIST=dir serves another build).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;
const cli = (...args) => execFileSync("cargo", ["run", "-q", "--", ...args], { encoding: "utf8" });
const KINDS = ["compute", "rf", "tradeoff", "roofline"];

let server, browser, resnet50, paths;
const problems = [];

async function open(hash, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector("canvas.chart-canvas");
  await chartsPainted(page);
  return page;
}

/** Waits until every chart in or near the view has been painted since the page opened. The charts are drawn
 *  by the chart worker (src/ui/chart_worker.rs), which starts with the page: the first paint comes a moment after
 *  the canvases. */
async function chartsPainted(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll("canvas.chart-canvas")]
      .filter((c) => {
        const r = c.getBoundingClientRect();
        return r.bottom > -200 && r.top < innerHeight + 200 && r.width > 0;
      })
      .every((c) => performance.getEntriesByName(`convscope:chart:${c.dataset.chart}`).length > 0),
  );
  // The worker's drawing reaches the page's canvas with a following frame.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50)))));
}

/** Per chart: how many pixels differ from the top-left (background) pixel, a checksum of all pixels, the top-left
 *  pixel, and the backing store's width. The chart worker draws on the canvases (src/ui/chart_worker.rs), so the
 *  page cannot read them through a 2D context: their pixels are read from a bitmap of the frame they show. */
const pixels = (page) =>
  page.$$eval("canvas.chart-canvas", (cs) =>
    Promise.all(
      cs.map(async (c) => {
        const bitmap = await createImageBitmap(c);
        const scratch = Object.assign(document.createElement("canvas"), { width: bitmap.width, height: bitmap.height });
        const copy = scratch.getContext("2d");
        copy.drawImage(bitmap, 0, 0);
        const d = copy.getImageData(0, 0, bitmap.width, bitmap.height).data;
        let inked = 0;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) inked++;
          sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
        }
        const corner = [...d.slice(4 * (bitmap.width + 1), 4 * (bitmap.width + 1) + 4)];
        return { chart: c.dataset.chart, inked: inked / (d.length / 4), sum, corner, width: bitmap.width, cssWidth: c.clientWidth };
      }),
    ),
  );

/** The layer path a tooltip title names (`#37 layer2.0.bn1 · BatchNorm2d`). */
const pathIn = (label) => paths.find((p) => label.split(/\s+/).includes(p));

/** Sweeps the pointer over a chart, row by row from `yFrom` down, until a tooltip shows; returns its title. */
async function hoverUntilTip(page, chart, yFrom = 0.6) {
  await page.locator(`canvas[data-chart=${chart}]`).scrollIntoViewIfNeeded();
  const box = await page.locator(`canvas[data-chart=${chart}]`).boundingBox();
  for (let fy = yFrom; fy < 0.95; fy += 0.025) {
    for (let fx = 0.3; fx < 0.97; fx += 0.015) {
      const [x, y] = [box.x + box.width * fx, box.y + box.height * fy];
      await page.mouse.move(x, y);
      if (await page.$(".chart-tip")) return { label: await page.textContent(".chart-tip-label"), x, y };
    }
  }
  throw new Error(`no tooltip over the ${chart} chart`);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // DIST serves another build directory (e.g. a private one while others rebuild dist/).
  server = await serve(process.env.DIST);
  browser = await launch();
  resnet50 = cli("link", "resnet50").trim();
  paths = JSON.parse(cli("summary", "resnet50", "--format", "json")).layers.map((l) => l.path);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe("charts", () => {
  test("resnet50: the four canvases are painted, sharp on a 2× screen", async () => {
    const page = await open(resnet50, { deviceScaleFactor: 2 });
    const got = await pixels(page);
    assert.deepEqual(got.map((g) => g.chart), KINDS);
    for (const g of got) {
      assert.ok(g.inked > 0.02, `${g.chart}: only ${(g.inked * 100).toFixed(1)}% of its pixels are drawn`);
      assert.equal(g.width, g.cssWidth * 2, `${g.chart}: backing store follows devicePixelRatio`);
    }
    await page.context().close();
  });

  test("the chart worker draws the charts; without OffscreenCanvas the page draws the same pictures", async () => {
    const page = await open(resnet50);
    // A canvas handed to the worker has no 2D context on the page.
    const handed = await page.$$eval("canvas.chart-canvas", (cs) =>
      cs.map((c) => {
        try {
          c.getContext("2d");
          return false;
        } catch (e) {
          return e.name === "InvalidStateError";
        }
      }),
    );
    assert.deepEqual(handed, [true, true, true, true]);
    const worker = await pixels(page);
    // The same link in a browser without OffscreenCanvas: the page draws, pixel for pixel the same charts.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => delete globalThis.OffscreenCanvas);
    const plain = await context.newPage();
    plain.on("pageerror", (e) => problems.push(String(e)));
    await plain.goto(`${server.url}${resnet50}`);
    await plain.waitForSelector("canvas.chart-canvas");
    await chartsPainted(plain);
    assert.ok(await plain.$eval("canvas.chart-canvas", (c) => c.getContext("2d") !== null), "the page draws");
    const here = await pixels(plain);
    assert.deepEqual(here.map((h) => h.sum), worker.map((w) => w.sum));
    await context.close();
    await page.context().close();
  });

  test("a chart worker that fails takes its canvases along: the page draws on new ones", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Keep a handle on the worker the app starts, to make it fail.
    await context.addInitScript(() => {
      const Base = globalThis.Worker;
      globalThis.Worker = class extends Base {
        constructor(...args) {
          super(...args);
          globalThis.chartWorker = this;
        }
      };
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}${resnet50}`);
    await page.waitForSelector("canvas.chart-canvas");
    await chartsPainted(page);
    const before = await pixels(page);
    await page.evaluate(() => {
      chartWorker.terminate();
      chartWorker.dispatchEvent(new ErrorEvent("error", { message: "simulated failure" }));
    });
    // New canvases, which the page draws (they have a 2D context), with the same pictures.
    await page.waitForFunction(() =>
      [...document.querySelectorAll("canvas.chart-canvas")].every((c) => {
        try {
          return c.getContext("2d") !== null;
        } catch {
          return false;
        }
      }),
    );
    await page.waitForTimeout(300);
    const after = await pixels(page);
    assert.deepEqual(after.map((a) => a.sum), before.map((b) => b.sum), "the page redraws the same charts");
    // And keeps them up to date, each update measured.
    await page.evaluate(() => performance.clearMeasures());
    await page.focus("#in-hw");
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(300);
    const moved = await pixels(page);
    for (let i = 0; i < KINDS.length; i++) assert.notEqual(moved[i].sum, after[i].sum, `${KINDS[i]} repainted`);
    const updates = await page.evaluate(() => performance.getEntriesByName("convscope:update").length);
    assert.ok(updates >= 1, "the update was measured");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("hover shows the layer's tooltip; click selects that row in the table", async () => {
    const page = await open(resnet50);
    const tip = await hoverUntilTip(page, "compute");
    const { x, y } = tip;
    const label = pathIn(tip.label);
    assert.ok(label, `tooltip names a layer path: ${tip.label}`);
    assert.match(await page.textContent(".chart-tip-detail"), /MACs/);
    await page.locator("#chart-compute").screenshot({ path: `${ARTIFACTS}charts-tooltip.png` });
    await page.mouse.click(x, y);
    await page.waitForSelector(`tr.row.selected[data-path="${label}"]`);
    await page.waitForFunction((l) => location.hash.includes(`sel=${l}`), label);
    // The editor follows: the layer's node is selected.
    assert.ok(await page.$(".node.selected"));

    // A point on the roofline selects its layer too.
    const point = await hoverUntilTip(page, "roofline", 0.3);
    assert.ok(pathIn(point.label), point.label);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector(`tr.row.selected[data-path="${pathIn(point.label)}"]`);
    await page.context().close();
  });

  test("switches repaint their chart; the keyboard reaches them and the marks", async () => {
    const page = await open(resnet50);
    const before = await pixels(page);
    await page.selectOption("#chart-group", "stage");
    await page.check("#chart-rf-log");
    await page.selectOption("#chart-trade-metric", "time");
    await page.waitForTimeout(50);
    const after = await pixels(page);
    assert.notEqual(after[0].sum, before[0].sum, "compute chart repainted per stage");
    assert.notEqual(after[1].sum, before[1].sum, "RF chart repainted on a log scale");
    assert.notEqual(after[2].sum, before[2].sum, "trade-off chart repainted by time");
    assert.equal(after[3].sum, before[3].sum, "roofline untouched");
    // The switches are view choices the link carries: a reload (or the link pasted elsewhere) shows the same charts.
    await page.waitForFunction(() => ["per=stage", "rflog=1", "size=time"].every((p) => location.hash.includes(p)));
    await page.reload();
    await page.waitForSelector("canvas.chart-canvas");
    await page.waitForTimeout(100);
    assert.equal(await page.inputValue("#chart-group"), "stage");
    assert.equal(await page.isChecked("#chart-rf-log"), true);
    assert.equal(await page.inputValue("#chart-trade-metric"), "time");
    assert.deepEqual((await pixels(page)).map((c) => c.sum), after.map((c) => c.sum), "the same charts after a reload");
    // Tab reaches the canvas; arrows walk its marks with a tooltip; Enter selects.
    await page.focus("canvas[data-chart=compute]");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    const stage = await page.textContent(".chart-tip-label");
    assert.match(stage, /^stage \d+×\d+/);
    await page.keyboard.press("Enter");
    await page.waitForSelector("tr.row.selected");
    await page.context().close();
  });

  test("Export PNG downloads the chart as a PNG", async () => {
    const page = await open(resnet50);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#chart-roofline .chart-export")]);
    assert.equal(download.suggestedFilename(), "convscope-roofline.png");
    const file = `${ARTIFACTS}export-roofline.png`;
    await download.saveAs(file);
    const png = readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 5000, `${png.length} bytes`);
    await page.context().close();
  });

  for (const preset of ["resnet50", "resnet152"]) test(`${preset}: a slider repaints every chart inside the convscope:update measure`, async () => {
    // The input size moves every chart (channels alone leave the receptive field as it is).
    const page = await open(preset === "resnet50" ? resnet50 : cli("link", preset).trim());
    const before = await pixels(page);
    await page.evaluate(() => performance.clearMeasures());
    await page.focus("#in-hw");
    for (let i = 0; i < 11; i++) {
      await page.keyboard.press(i < 5 || i === 10 ? "ArrowRight" : "ArrowLeft");
      await page.waitForTimeout(40);
    }
    await page.waitForTimeout(100);
    const after = await pixels(page);
    for (let i = 0; i < KINDS.length; i++) assert.notEqual(after[i].sum, before[i].sum, `${KINDS[i]} repainted`);
    const m = await page.evaluate(() => {
      const get = (n) => performance.getEntriesByName(n);
      const updates = get("convscope:update");
      const charts = ["compute", "rf", "tradeoff", "roofline"].map((k) => get(`convscope:chart:${k}`));
      // Every chart draw of an update lies inside that update's measure.
      const inside = charts.flat().every((c) =>
        updates.some((u) => c.startTime >= u.startTime - 0.01 && c.startTime + c.duration <= u.startTime + u.duration + 0.01),
      );
      return {
        whatif: get("convscope:whatif").map((e) => e.duration),
        updates: updates.map((u) => u.duration),
        charts: charts.map((c) => c.map((e) => e.duration)),
        inside,
      };
    });
    // Inputs that arrive before a frame share one measure, and a chart paints once per frame however many inputs
    // changed it: on a loaded machine two key presses can fall into one frame.
    assert.ok(m.updates.length >= 1 && m.updates.length <= 11, `${m.updates.length} measures`);
    for (const c of m.charts) assert.ok(c.length >= 1 && c.length <= 11, `${c.length} paints`);
    assert.ok(m.inside, "chart draws end before the update measure does");
    const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const sums = m.charts[0].map((_, i) => m.charts.reduce((s, c) => s + (c[i] ?? 0), 0));
    console.log(
      `${preset} input-size slider: convscope:update median ${median(m.updates).toFixed(1)} ms; ` +
        `charts ${KINDS.map((k, i) => `${k} ${median(m.charts[i]).toFixed(1)}`).join(", ")}; all four ${median(sums).toFixed(1)} ms; ` +
        `what-if analyses ${median(m.whatif).toFixed(1)} ms`,
    );
    await page.context().close();
  });

  test("screenshots: desktop, phone, dark", async () => {
    const desktop = { viewport: { width: 1280, height: 800 } };
    const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
    const shots = [
      ["charts-desktop.png", desktop],
      ["charts-phone.png", phone],
      ["charts-dark.png", { ...desktop, colorScheme: "dark" }],
      ["charts-phone-dark.png", { ...phone, colorScheme: "dark" }],
    ];
    for (const [name, options] of shots) {
      const page = await open(`${resnet50}&sel=layer2.0`, options);
      // The page as it opens (the table scrolled to the selection), then the charts in view, then all of them.
      await page.screenshot({ path: `${ARTIFACTS}page-${name}` });
      await page.$eval("#charts", (e) => e.scrollIntoView());
      await page.screenshot({ path: `${ARTIFACTS}view-${name}` });
      if (options.viewport.width > 900) await page.setViewportSize({ width: options.viewport.width, height: 1500 });
      const got = await pixels(page);
      for (const g of got) assert.ok(g.inked > 0.02, `${name} ${g.chart}`);
      if (options.colorScheme === "dark") {
        const bg = got[0].corner;
        assert.ok(bg[0] < 60 && bg[1] < 60 && bg[2] < 60, `dark chart background: ${bg}`);
      }
      await page.locator("#charts").screenshot({ path: `${ARTIFACTS}${name}` });
      await page.context().close();
    }
  });

  test("no console errors", () => {
    assert.deepEqual(problems, []);
  });
});
