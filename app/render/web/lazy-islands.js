// Lazy islands (app/render/plugin.py): a server-rendered page already shows everything a
// reader needs (its state came with the HTML), so its websocket, and the page's state load
// on the server, wait until an island is about to be used:
//
// - a pointer over, a touch on, or focus on a control (button, field, rating radio): the
//   connection opens while the visitor reaches for it, and what they do is queued until
//   it is open;
// - at idle time for a visitor who has used an island before (the visitor cookie): their
//   own like, rating and comments, and the live counts, are theirs at once;
// - `atollIslands.wake()` (or a `atoll:wake` event on window) for code that needs it now.
//
// Until then a link is followed as a normal page load (the cached server-rendered HTML),
// not by the client router, which would need the connection to load the next page's state.
// A page that came without its state (the static pages, the dev server) connects at once.

const VISITOR_COOKIE = "atoll_visitor";
const CONTROLS =
  'button, input, select, textarea, label, [role="radio"], [role="button"], [role="slider"]';
const INTENTS = ["pointerover", "pointerdown", "touchstart", "focusin"];

let awake = typeof window === "undefined" || !window.__REFLEX_SSR_STATE__;
const waiting = new Set();

/** Whether the islands may connect now. */
export const islandsAwake = () => awake;

/** Let the islands connect: run everything that waited for it. */
export function wake() {
  if (awake) return;
  awake = true;
  for (const event of INTENTS) window.removeEventListener(event, onIntent, true);
  window.removeEventListener("click", followLink, true);
  for (const callback of [...waiting]) callback();
  waiting.clear();
}

/**
 * Run `callback` once the islands may connect (now, if they may).
 * @returns A function that forgets the callback (the event loop unmounted).
 */
export function onWake(callback) {
  if (awake) {
    callback();
    return () => {};
  }
  waiting.add(callback);
  return () => waiting.delete(callback);
}

function onIntent(event) {
  if (event.target instanceof Element && event.target.closest(CONTROLS)) wake();
}

// Capture on window runs before React's listeners on the root: stopping the click there
// leaves the browser's own navigation to happen.
function followLink(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link || link.target || link.hasAttribute("download")) return;
  if (new URL(link.href, location.href).origin !== location.origin) return;
  event.stopPropagation();
}

function hasVisitorCookie() {
  return document.cookie.split("; ").some((pair) => pair.startsWith(VISITOR_COOKIE + "="));
}

if (!awake) {
  for (const event of INTENTS) {
    window.addEventListener(event, onIntent, { capture: true, passive: true });
  }
  window.addEventListener("click", followLink, true);
  window.addEventListener("atoll:wake", wake);
  if (hasVisitorCookie()) {
    (window.requestIdleCallback ?? ((run) => setTimeout(run, 200)))(wake, { timeout: 2000 });
  }
}
if (typeof window !== "undefined") window.atollIslands = { wake, awake: islandsAwake };
