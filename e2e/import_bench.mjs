// Times opening an ONNX file in the app: from handing the file to the picker to the table showing its network.
// Usage (after `trunk build --release`): node e2e/import_bench.mjs FILE.onnx [expected params]
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";

const [file, params] = process.argv.slice(2);
if (!file) {
  console.error("usage: node e2e/import_bench.mjs FILE.onnx [expected params]");
  process.exit(2);
}
const server = await serve();
const browser = await launch();
const page = await (await browser.newContext()).newPage();
await page.goto(server.url);
await page.waitForSelector(".totals");
const times = [];
for (let i = 0; i < 3; i++) {
  await page.goto(`${server.url}#arch=v1/3x8x8/conv(4,3)`);
  await page.waitForSelector(".totals");
  const start = Date.now();
  await page.setInputFiles("#import-onnx", file);
  await page.waitForFunction(
    (p) => {
      const t = document.querySelector(".totals");
      return t && (p ? t.dataset.params === p : t.dataset.params !== "112");
    },
    params,
    { timeout: 60000 },
  );
  times.push(Date.now() - start);
}
console.log(`${file}: opened in ${times.map((t) => `${t} ms`).join(", ")} (picker to table)`);
await browser.close();
await server.close();
