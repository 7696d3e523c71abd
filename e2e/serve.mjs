// A small static server for dist/ on 127.0.0.1, used by the end-to-end tests and the benchmark.
// The app is served both at / and under /some/sub/path/, to check that relative asset paths work anywhere.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".png": "image/png",
};

export const SUB_PATH = "/some/sub/path/";

/** Starts serving `root` (default: the repository's dist/); resolves to { url, close }. */
export async function serve(root = fileURLToPath(new URL("../dist/", import.meta.url)), port = 0) {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path.startsWith(SUB_PATH)) path = "/" + path.slice(SUB_PATH.length);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve(undefined, Number(process.env.PORT ?? 8080));
  console.log(`serving dist/ at ${url} (and ${url.slice(0, -1)}${SUB_PATH})`);
}
