// React Router's default node entry, plus the page's Reflex state (app/render/plugin.py).
import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable } from "@react-router/node";
import { ServerRouter, createContext as createRouterContext } from "react-router";
import { renderToPipeableStream } from "react-dom/server";
import { createElement } from "react";
import { SSRStateContext } from "$/utils/ssr-state";

export const streamTimeout = 5_000;
// The render server puts the snapshot into the request's RouterContextProvider under this key.
export const reflexStateContext = createRouterContext(null);

// JSON inside an inline <script>: never let the payload close the tag or open a comment.
const safeJson = (value) =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

export default function handleRequest(request, status, headers, routerContext, loadContext) {
  if (request.method.toUpperCase() === "HEAD") return new Response(null, { status, headers });
  const state = loadContext?.get ? loadContext.get(reflexStateContext) : null;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    let timeoutId = setTimeout(() => abort(), streamTimeout + 1000);
    const { pipe, abort } = renderToPipeableStream(
      createElement(SSRStateContext.Provider, { value: state },
        createElement(ServerRouter, { context: routerContext, url: request.url })),
      {
        // Read pages are cached HTML: always wait for everything (no streamed suspense).
        onAllReady() {
          shellRendered = true;
          const body = new PassThrough({ final(cb) { clearTimeout(timeoutId); cb(); } });
          headers.set("Content-Type", "text/html; charset=utf-8");
          pipe(body);
          resolve(new Response(createReadableStreamFromReadable(body), { headers, status }));
        },
        bootstrapScriptContent: state ? `window.__REFLEX_SSR_STATE__=${safeJson(state)};` : undefined,
        onShellError: reject,
        onError(error) { status = 500; if (shellRendered) console.error(error); },
      },
    );
  });
}
