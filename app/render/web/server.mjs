// Atoll's render server (bun): renders a page of the server build with a given state.
// POST /render {path, state} -> the page's HTML, with the status React Router gives it.
// Started and supervised by the backend (app/render/server.py); listens on a unix socket.
import { createRequestHandler, RouterContextProvider } from "react-router";
import { join } from "node:path";

const build = await import(join(process.env.ATOLL_BUILD_DIR, "server/index.js"));
const handler = createRequestHandler(build, "production");
const stateKey = build.entry.module.reflexStateContext;
const ORIGIN = "http://localhost";

// Islands load on use. The page paints from its HTML and CSS alone, and every control on it
// works without JavaScript (its forms post to /api/actions/<name>), so a reader needs none of
// the page's scripts (React, the router, Reflex's runtime: ~260 KB). React Router links them
// as <link rel=modulepreload> and imports them from an inline module script; here the links
// go, and the inline script waits for the first frame and for the islands to wake (see
// `lazyIslands`) before it adds the same preloads and imports the same modules in the same
// order. A reader's visit is then the HTML, the stylesheet and the images: no script, no
// websocket, no state on the server.
const PRELOAD = /<link rel="modulepreload" href="([^"]+)"\/>/g;
const BOOT = /<script type="module" async="">([\s\S]*?)<\/script>/;
const STATIC_IMPORT = /^import (?:\* as (\w+) from )?("[^"]+");$/gm;

// Runs in the browser, first thing in the boot script (it is inlined by its source text).
// The islands wake, and the scripts load, when a visitor reaches for a control (a pointer
// over it, a touch or press on it, focus on it), at idle time for a visitor who has used an
// island before (the visitor cookie: their own like, rating and comments, live counts), or
// when code calls `atollIslands.wake()`. A click on a control before React has hydrated it
// is held and replayed once it has (a tap is the touch and the click at once); if the
// scripts never come, the held click goes to the browser, which posts the plain form.
function lazyIslands() {
  const CONTROLS =
    'button, input, select, textarea, label, [role="radio"], [role="button"], [role="slider"]';
  const INTENTS = ["pointerover", "pointerdown", "touchstart", "focusin"];
  const GIVE_UP_MS = 15000;
  const held = [];
  let wake;
  const woken = new Promise((resolve) => (wake = resolve));
  const control = (event) => (event.target instanceof Element ? event.target.closest(CONTROLS) : null);
  const hydrated = (node) => Object.keys(node).some((key) => key.startsWith("__reactProps$"));
  function start() {
    for (const name of INTENTS) removeEventListener(name, reach, true);
    removeEventListener("atoll:wake", start);
    wake();
  }
  function reach(event) {
    if (control(event)) start();
  }
  function hold(event) {
    const target = control(event);
    if (!target || hydrated(target)) return;
    event.preventDefault();
    event.stopPropagation();
    if (!held.includes(target)) held.push(target);
    start();
  }
  function replay(since) {
    const main = document.querySelector("main") ?? document.body;
    if (!hydrated(main) && performance.now() - since < GIVE_UP_MS) {
      requestAnimationFrame(() => replay(since));
      return;
    }
    removeEventListener("click", hold, true);
    for (const target of held.splice(0)) target.click();
  }
  for (const name of INTENTS) addEventListener(name, reach, { capture: true, passive: true });
  addEventListener("click", hold, true);
  addEventListener("atoll:wake", start);
  window.atollIslands = { wake: start };
  if (document.cookie.split("; ").some((pair) => pair.startsWith("atoll_visitor="))) {
    (window.requestIdleCallback ?? ((run) => setTimeout(run, 200)))(start, { timeout: 2000 });
  }
  woken.then(() => replay(performance.now()));
  return woken;
}

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
    `const woken = (${lazyIslands.toString()})();\n` +
    "await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));\n" +
    "await woken;\n" +
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
