// Speed benchmark (not a pass/fail test): opens resnet50 and resnet152 (resnet50 also with itself pinned as the
// baseline), drags a channel slider 100 values with the
// mouse and prints p50/p95 of the `convscope:update` measures (input event → the frame showing the result laid out
// and painted: the app ends the measure in a task queued from the next requestAnimationFrame callback). It then
// moves the slider 100 more times from inside the page and times input → next frame painted the same way from the
// outside (requestAnimationFrame then a task). Those inputs arrive just after a frame, so they wait about one frame
// interval (16.7 ms at 60 Hz) for the next one before any work shows: that column cannot go below it.
// Usage: node e2e/bench.mjs   [env STEPS, WARM, DIST]   (needs a release build in dist/ and the CLI: cargo run -- link <preset>)
import { execFileSync } from "node:child_process";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const STEPS = Number(process.env.STEPS ?? 100);
// WARM=n drags n steps before measuring: the steady state, once V8 has optimised the hot WebAssembly functions
// (on a first visit the first ~200 steps run partly in baseline code while the optimising compiler competes for
// the CPU).
const WARM = Number(process.env.WARM ?? 0);


function link(preset) {
  return execFileSync("cargo", ["run", "-q", "--", "link", preset], { encoding: "utf8" }).trim();
}

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Selects `path`, drags the first slider of its editor with the mouse one value at a time, back and forth, and
 *  returns the measured durations. Each move waits for the frame it causes, as a hand does not outrun the screen:
 *  without that the moves pile up in the browser's queue and the measures time the queue, not the app. Chromium
 *  dispatches mouse moves at the start of a frame, so a move that is handled and painted in that frame measures
 *  under one frame interval. */
async function run(page, url, path) {
  await page.goto(`${url}${link(path.preset)}&sel=${path.sel}`);
  await page.waitForSelector(".node-editor input[type=range]");
  if (path.pin) {
    // The network as it opened becomes the baseline A; the drag edits B.
    await page.click("#pin-baseline");
    await page.waitForSelector("#unpin-baseline");
  }
  const slider = page.locator(".node-editor input[type=range]").first();
  const box = await slider.boundingBox();
  const max = Number(await slider.getAttribute("max"));
  const value = Number(await slider.inputValue());
  const thumb = 16; // Chromium's range thumb, px
  const perStep = (box.width - thumb) / max;
  let x = box.x + thumb / 2 + value * perStep;
  const y = box.y + box.height / 2;
  // Start where there is room to move ten values either way.
  if (value + 10 > max) x -= 10 * perStep;
  await page.mouse.move(box.x + thumb / 2 + value * perStep, y);
  await page.mouse.down();
  await page.mouse.move(x, y);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  const drag = async (steps) => {
    for (let i = 0; i < steps; i++) {
      // Up and down around the current value, so the network stays comparable.
      x += (i % 20 < 10 ? 1 : -1) * perStep;
      await page.mouse.move(x, y);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    }
  };
  await drag(WARM);
  await page.evaluate(() => performance.clearMeasures());
  await drag(STEPS);
  await page.mouse.up();
  await page.waitForTimeout(100);
  const update = await page.evaluate(() => performance.getEntriesByName("convscope:update").map((e) => e.duration));
  const charts = await page.evaluate(() => {
    const out = {};
    for (const e of performance.getEntriesByType("measure")) {
      if (e.name.startsWith("convscope:chart:")) (out[e.name.slice(16)] ??= []).push(e.duration);
    }
    return out;
  });
  const frame = await inputSteps(page);
  const cpu = await cpuPerStep(page);
  return { update, frame, charts, cpu };
}

/** Moves the slider STEPS values from inside the page, each input followed by its frame (requestAnimationFrame,
 *  then a task); returns each step's time from input to that task. */
function inputSteps(page) {
  return page.evaluate(async (steps) => {
    const el = document.querySelector(".node-editor input[type=range]");
    const start = Number(el.value);
    const out = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      el.value = String(start + (i % 20 < 10 ? (i % 10) + 1 : 9 - (i % 10)));
      el.dispatchEvent(new Event("input", { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      out.push(performance.now() - t0);
    }
    return out;
  }, STEPS);
}

/** Thread CPU time per slider step of the page's main thread and of the chart worker, from a Chromium trace of
 *  STEPS more steps (inputs dispatched from the page, as in the second column). Wall-clock times on a shared VM
 *  move by tens of percent with its load; CPU time moves far less, so it shows what a change saves. */
async function cpuPerStep(page) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on("Tracing.dataCollected", (d) => events.push(...d.value));
  const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  await cdp.send("Tracing.start", { categories: "toplevel", transferMode: "ReportEvents" });
  await inputSteps(page);
  await cdp.send("Tracing.end");
  await done;
  await cdp.detach();
  const names = new Map();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, e.args.name);
  const busy = new Map();
  for (const e of events) {
    if (e.ph !== "X" || e.name !== "ThreadControllerImpl::RunTask" || !e.tdur) continue;
    const key = `${e.pid}:${e.tid}`;
    busy.set(key, (busy.get(key) ?? 0) + e.tdur / 1000);
  }
  const most = (name) =>
    Math.max(0, ...[...busy].filter(([k]) => names.get(k) === name).map(([, ms]) => ms)) / STEPS;
  return { main: most("CrRendererMain"), worker: most("DedicatedWorker thread") };
}

const cases = [
  { preset: "resnet50", sel: "conv1", what: "conv1 out channels" },
  { preset: "resnet152", sel: "conv1", what: "conv1 out channels" },
  { preset: "resnet50", sel: "layer3.1", what: "layer3 repeated bottleneck planes" },
  { preset: "resnet152", sel: "layer3.1", what: "layer3 repeated bottleneck planes" },
  { preset: "resnet50", sel: "conv1", what: "conv1, baseline pinned", pin: true },
  { preset: "resnet50", sel: "layer3.1", what: "layer3 planes, baseline pinned", pin: true },
];

const server = await serve(process.env.DIST);
const browser = await launch();
console.log(`convscope:update over ${STEPS} slider steps (ms), each case a first visit`);
for (const c of cases) {
  // A new browser context per case: a first visit, without compiled code cached from the case before.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const { update, frame, charts, cpu } = await run(page, server.url, c);
  await page.context().close();
  const fmt = (v) => v.toFixed(1).padStart(6);
  const stats = (d) => {
    d.sort((a, b) => a - b);
    return `p50 ${fmt(quantile(d, 0.5))} p95 ${fmt(quantile(d, 0.95))}`;
  };
  console.log(
    `${c.preset.padEnd(10)} ${c.what.padEnd(34)} n=${String(update.length).padStart(3)}  convscope:update ${stats(update)}   input→painted frame ${stats(frame)}`,
  );
  // Chart draws during the mouse drag (convscope:chart:<kind>, the JS/wasm side of a paint).
  const kinds = Object.keys(charts).sort();
  if (kinds.length) console.log(`${"".padEnd(46)}chart draws: ${kinds.map((k) => `${k} ${stats(charts[k])}`).join("  ")}`);
  console.log(`${"".padEnd(46)}CPU per step: page main thread ${cpu.main.toFixed(1)} ms, chart worker ${cpu.worker.toFixed(1)} ms`);
}
await browser.close();
await server.close();
