// Atoll's render server (bun): renders a page of the server build with a given state.
// POST /render {path, state} -> the page's HTML, with the status React Router gives it.
// Started and supervised by the backend (app/render/server.py); listens on a unix socket.
import { createRequestHandler, RouterContextProvider } from "react-router";
import { join } from "node:path";

const build = await import(join(process.env.ATOLL_BUILD_DIR, "server/index.js"));
const handler = createRequestHandler(build, "production");
const stateKey = build.entry.module.reflexStateContext;
const ORIGIN = "http://localhost";

// The page paints from its HTML and CSS alone; its JavaScript (React, the router, the islands)
// only hydrates it. React Router links every module as a high-priority <link rel=modulepreload>
// and imports them from an inline module script, so on a slow phone ~250 KB of JavaScript
// competes with the stylesheet before the first paint. Here the links go, and the inline
// script waits for the first frame, then adds the same preloads (so the chunks still arrive
// in parallel) and imports the same modules in the same order.
const PRELOAD = /<link rel="modulepreload" href="([^"]+)"\/>/g;
const BOOT = /<script type="module" async="">([\s\S]*?)<\/script>/;
const STATIC_IMPORT = /^import (?:\* as (\w+) from )?("[^"]+");$/gm;

export function deferScripts(html) {
  const boot = BOOT.exec(html);
  if (!boot) return html;
  const preloads = [...html.matchAll(PRELOAD)].map((match) => match[1]);
  const names = [];
  const specifiers = [];
  const rest = boot[1].replace(STATIC_IMPORT, (_line, name, specifier) => {
    names.push(name ?? "");
    specifiers.push(specifier);
    return "";
  });
  const script =
    "await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));\n" +
    `for (const href of ${JSON.stringify(preloads)}) {` +
    ' const link = document.createElement("link"); link.rel = "modulepreload"; link.href = href;' +
    " document.head.append(link); }\n" +
    `const [${names.join(", ")}] = await Promise.all([${specifiers
      .map((specifier) => `import(${specifier})`)
      .join(", ")}]);\n` +
    rest.trim();
  return html
    .replace(PRELOAD, "")
    .replace(boot[0], () => `<script type="module" async="">${script}</script>`);
}

async function render(path, state) {
  const context = new RouterContextProvider();
  context.set(stateKey, state);
  const response = await handler(new Request(new URL(path, ORIGIN)), context);
  return new Response(deferScripts(await response.text()), {
    status: response.status,
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

Bun.serve({
  unix: process.env.ATOLL_RENDER_SOCKET,
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/render") {
      const { path, state } = await request.json();
      return render(path, state);
    }
    if (url.pathname === "/health") return Response.json({ ok: true });
    return new Response("not found", { status: 404 });
  },
});
console.log("atoll render server ready");
