// Speed comparison (not a pass/fail test): drags the same slider in several pages side by side, one step in each
// page in turn, and prints the `convscope:update` quantiles of each. Each page serves a build directory and may
// inject CSS, so two builds (or a build with and without a style change) are measured under the same machine load.
// On a shared 2-core machine the load drifts by tens of percent between runs, far more than most single changes
// move the measure; interleaving steps makes both pages pay the same drift.
//
// Usage: node e2e/compare.mjs <preset> <selected path> '<{"name": {"dist": "dir", "css": "…"}, …}>'
//   e.g. node e2e/compare.mjs resnet50 conv1 '{"before": {"dist": "/tmp/old-dist"}, "after": {}}'
//   ("dist" defaults to dist/, "css" to none, "pin": true pins the opened network as the baseline; STEPS=120 steps per page by default; SLIDER=<CSS selector> drags
//   another slider than the selected layer's first.)
// The absolute numbers are higher than e2e/bench.mjs prints: several pages share the two cores.
// It also prints each page's thread CPU time per step (its main thread and its chart worker, from a Chromium trace
// of the interleaved steps), which the machine's load moves far less than the wall-clock measure. DETAIL=1 adds,
// per page, where the main thread's time goes (self time by trace event: script, style, layout, paint, …);
// INPUT=page moves the slider from inside the page (see below).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const [preset = "resnet50", sel = "conv1", spec = '{"dist/": {}}'] = process.argv.slice(2);
const configs = JSON.parse(spec);
const STEPS = Number(process.env.STEPS ?? 120);
// The slider to drag: by default the first of the selected layer's editor; SLIDER="#in-c" drags the input channels.
const SLIDER = process.env.SLIDER ?? ".node-editor input[type=range]";
const DEFAULT_DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const link = execFileSync("cargo", ["run", "-q", "--", "link", preset], { encoding: "utf8" }).trim();

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

const browser = await launch();
const servers = new Map();
const pages = [];
for (const [name, { dist = DEFAULT_DIST, css = "", pin = false }] of Object.entries(configs)) {
  if (!servers.has(dist)) servers.set(dist, await serve(dist));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${servers.get(dist).url}${link}&sel=${sel}`);
  await page.waitForSelector(SLIDER);
  if (pin) {
    // "pin": the network as it opened becomes the baseline A; the drag edits B.
    await page.click("#pin-baseline");
    await page.waitForSelector("#unpin-baseline");
  }
  if (css) await page.addStyleTag({ content: css });
  await page.waitForTimeout(300);
  const slider = page.locator(SLIDER).first();
  const box = await slider.boundingBox();
  const max = Number(await slider.getAttribute("max"));
  const value = Number(await slider.inputValue());
  const perStep = (box.width - 16) / max;
  const start = box.x + 8 + value * perStep;
  const y = box.y + box.height / 2;
  const x = value + 10 > max ? start - 10 * perStep : start;
  await page.mouse.move(start, y);
  await page.mouse.down();
  await page.mouse.move(x, y);
  await page.waitForTimeout(100);
  await page.evaluate(() => performance.clearMeasures());
  pages.push({ name, page, x, y, perStep });
}
// One trace of all the pages: each is a renderer process of its own (a browser context each), told apart by a
// user-timing mark each page sets while the trace runs.
const DETAIL = process.env.DETAIL === "1";
// INPUT=page dispatches the slider's input events from the page instead of moving the mouse (no input IPC or hit
// testing in the measure), as e2e/bench.mjs does for its CPU column.
const INPUT_IN_PAGE = process.env.INPUT === "page";
const cdp = await browser.newBrowserCDPSession();
const events = [];
cdp.on("Tracing.dataCollected", (d) => events.push(...d.value));
const traced = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
await cdp.send("Tracing.start", {
  categories: ["toplevel", "blink.user_timing", ...(DETAIL ? ["devtools.timeline", "v8.execute"] : [])].join(","),
  transferMode: "ReportEvents",
});
for (let i = 0; i < STEPS; i++) {
  for (const p of pages) {
    if (INPUT_IN_PAGE) {
      // As e2e/bench.mjs's CPU column: the input event dispatched from the page, one value at a time.
      await p.page.evaluate(
        ({ slider, i }) => {
          const el = document.querySelector(slider);
          const start = Number((el.dataset.compareStart ??= el.value));
          el.value = String(start + (i % 20 < 10 ? (i % 10) + 1 : 9 - (i % 10)));
          el.dispatchEvent(new Event("input", { bubbles: true }));
          return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        },
        { slider: SLIDER, i },
      );
      continue;
    }
    p.x += (i % 20 < 10 ? 1 : -1) * p.perStep;
    await p.page.mouse.move(p.x, p.y);
    await p.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  }
}
for (const p of pages) await p.page.evaluate((n) => performance.mark(`compare-page:${n}`), p.name);
await cdp.send("Tracing.end");
await traced;
const cpu = threadCpu(events, pages, STEPS);
console.log(`convscope:update, ${preset} (${sel}), ${STEPS} interleaved steps per page (ms)`);
for (const p of pages) {
  const d = await p.page.evaluate(() => performance.getEntriesByName("convscope:update").map((e) => e.duration));
  d.sort((a, b) => a - b);
  const q = (f) => quantile(d, f).toFixed(1).padStart(6);
  const c = cpu.get(p.name);
  console.log(
    `${p.name.padEnd(16)} n=${String(d.length).padStart(3)}  p50 ${q(0.5)}  p75 ${q(0.75)}  p95 ${q(0.95)}` +
      `   CPU per step: main ${c.main.toFixed(2)} ms, chart worker ${c.worker.toFixed(2)} ms`,
  );
  if (DETAIL) {
    const top = [...c.self].sort((a, b) => b[1] - a[1]).slice(0, 14);
    console.log(`${"".padEnd(17)}main thread self time per step: ${top.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  }
}
await browser.close();
for (const s of servers.values()) await s.close();

/** Per page: thread CPU per step of its main thread and chart worker (the tasks' thread durations), and the main
 *  thread's self time per step by trace event name (an event's thread time less that of the events inside it). */
function threadCpu(events, pages, steps) {
  const pidOf = new Map();
  for (const e of events) if (e.name?.startsWith("compare-page:")) pidOf.set(e.name.slice(13), e.pid);
  const names = new Map();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, e.args.name);
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== "X" || e.tdur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const out = new Map();
  for (const p of pages) {
    const pid = pidOf.get(p.name);
    const threads = [...byThread].filter(([k]) => k.startsWith(`${pid}:`));
    const busy = (name) => {
      let ms = 0;
      for (const [k, evs] of threads) {
        if (names.get(k) !== name) continue;
        for (const e of evs) if (e.name === "ThreadControllerImpl::RunTask") ms += e.tdur / 1000;
      }
      return ms / steps;
    };
    const self = new Map();
    for (const [k, evs] of threads) {
      if (names.get(k) !== "CrRendererMain") continue;
      // Nesting by wall-clock span on one thread; self time in thread time.
      evs.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
      const stack = [];
      const add = (e, v) => self.set(e.name, (self.get(e.name) ?? 0) + v / 1000 / steps);
      for (const e of evs) {
        while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
        add(e, e.tdur);
        if (stack.length) add(stack.at(-1), -e.tdur);
        stack.push(e);
      }
    }
    out.set(p.name, { main: busy("CrRendererMain"), worker: busy("DedicatedWorker thread"), self });
  }
  return out;
}
