// Per-request state for server rendering (app/render/plugin.py). The server render gets it from a React
// context the entry.server provides; the browser reads the copy the server wrote into the
// page (window.__REFLEX_SSR_STATE__) before the first render, so hydration sees the same
// values the server rendered with.
import { createContext } from "react";
export const SSRStateContext = createContext(null);
SSRStateContext.displayName = "SSRStateContext";

export function injectedState() {
  if (typeof window === "undefined") return null;
  return window.__REFLEX_SSR_STATE__ ?? null;
}

// The compiled defaults with the injected substates laid over them.
export function withInjected(initialState, injected) {
  if (!injected) return initialState;
  const merged = { ...initialState };
  for (const [name, vars] of Object.entries(injected)) {
    if (name in merged) merged[name] = { ...merged[name], ...vars };
  }
  return merged;
}
