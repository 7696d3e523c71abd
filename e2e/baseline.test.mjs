// End-to-end tests of comparing two networks: pin a baseline, edit B, reload the link, copy the comparison as
// Markdown, swap A and B, compare with a preset. Numbers are checked against the command line's JSON, which the
// native tests check against PyTorch's tools. Run: node --test e2e/   (after `trunk build --release`).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const cli = (...args) => execFileSync("cargo", ["run", "-q", "--", ...args], { encoding: "utf8" });
const macsOf = (preset) => JSON.parse(cli("summary", preset, "--format", "json")).totals.macs;

let server, browser, context;
const problems = [];

before(async () => {
  mkdirSync(new URL("../test-artifacts/", import.meta.url).pathname, { recursive: true });
  server = await serve();
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url.slice(0, -1) });
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

const card = (page) =>
  page.$eval("#compare", (e) => ({
    a: Number(e.dataset.aMacs),
    b: Number(e.dataset.bMacs),
    matched: Number(e.dataset.matched),
    added: Number(e.dataset.new),
    removed: Number(e.dataset.removed),
  }));

/** Waits until the URL fragment holds still (writes are debounced). */
const settled = (page) =>
  page.waitForFunction(() => new Promise((r) => { const h = location.hash; setTimeout(() => r(location.hash === h), 300); }));

describe("compare two networks", () => {
  test("pin, edit B, reload the link, copy as Markdown, swap", async () => {
    const resnet18 = macsOf("resnet18");
    const page = await open(cli("link", "resnet18").trim());
    assert.equal(await page.$("#compare"), null);
    await page.click("#pin-baseline");
    await page.waitForSelector("#compare");
    assert.deepEqual(await card(page), { a: resnet18, b: resnet18, matched: 69, added: 0, removed: 0 });
    await page.waitForFunction(() => location.hash.includes("&base="));

    // Edit B: conv1's output channels, with the keyboard on its slider.
    await page.click('tr.row[data-path="conv1"]');
    const slider = page.locator(".node-editor input[type=range]").first();
    await slider.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => {
      const c = document.querySelector("#compare");
      return c && c.dataset.aMacs !== c.dataset.bMacs;
    });
    const edited = await card(page);
    assert.equal(edited.a, resnet18);
    assert.equal(Number(await page.$eval(".totals", (e) => e.dataset.macs)), edited.b);
    // The table shows each row against its match in A.
    assert.ok(await page.$("th:text('vs A')"));
    const conv1 = await page.$eval('tr.row[data-path="conv1"] td.vs', (td) => td.textContent);
    assert.match(conv1, /^\+/);
    await page.locator("#charts").screenshot({ path: new URL("../test-artifacts/compare-charts.png", import.meta.url).pathname });

    // The link carries both networks.
    await settled(page);
    await page.reload();
    await page.waitForSelector("#compare");
    assert.deepEqual(await card(page), edited);

    await page.click("#copy-markdown");
    await page.waitForFunction(() => document.querySelector(".copy-status").textContent.includes("copied"));
    const md = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(md, /\| MACs \| 1,814,073,344 \|/);
    assert.match(md, /\| Stage \| A grid \| B grid \|/);

    await page.click("#swap-baseline");
    await page.waitForFunction((m) => document.querySelector(".totals").dataset.macs === String(m), resnet18);
    // What B added (conv1's wider output gives layer1.0 a projection shortcut) is what A lacks once swapped.
    assert.deepEqual(await card(page), {
      a: edited.b, b: edited.a, matched: edited.matched, added: edited.removed, removed: edited.added,
    });

    await page.click("#unpin-baseline");
    await page.waitForFunction(() => !document.querySelector("#compare"));
    await settled(page);
    assert.ok(!(await page.evaluate(() => location.hash)).includes("base="));
    await page.close();
  });

  test("compare with a preset; a broken baseline in a link is named and dropped", async () => {
    const page = await open(cli("link", "resnet18").trim());
    await page.selectOption("#compare-with", "resnet34");
    await page.waitForSelector("#compare");
    const c = await card(page);
    assert.equal(c.a, macsOf("resnet34"));
    assert.equal(c.b, macsOf("resnet18"));
    // Every layer of resnet18 is in resnet34 under the same path; resnet34's extra blocks are "removed" in B.
    assert.equal(c.matched, 69);
    assert.ok(c.removed > 0);
    await page.close();

    const broken = await open(`${cli("link", "resnet18").trim()}&base=v1/3x8x8/nonsense(`);
    await broken.waitForSelector(".notice");
    assert.match(await broken.textContent(".notice"), /baseline could not be read/);
    assert.equal(await broken.$("#compare"), null);
    await broken.close();
  });

  test("no console errors", () => {
    assert.deepEqual(problems, []);
  });
});
