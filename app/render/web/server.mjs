// Atoll's render server (bun): renders a page of the server build with a given state.
// POST /render {path, state} -> the page's HTML, with the status React Router gives it.
// Started and supervised by the backend (app/render/server.py); listens on a unix socket.
import { createRequestHandler, RouterContextProvider } from "react-router";
import { join } from "node:path";

const build = await import(join(process.env.ATOLL_BUILD_DIR, "server/index.js"));
const handler = createRequestHandler(build, "production");
const stateKey = build.entry.module.reflexStateContext;
const ORIGIN = "http://localhost";

async function render(path, state) {
  const context = new RouterContextProvider();
  context.set(stateKey, state);
  const response = await handler(new Request(new URL(path, ORIGIN)), context);
  return new Response(await response.text(), {
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
