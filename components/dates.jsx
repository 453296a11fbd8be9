// One date on a page, wrapped by components/dates.py: <time datetime="ISO" title="absolute">.
//
// The server render (bun) and the browser's hydration render print the same text: the
// absolute date in UTC and English, built by hand so no time zone, language or ICU version
// can make them differ (a difference is a React hydration error). Right after hydration,
// and on any render in the browser that is not a hydration, the text is the visitor's: their
// time zone and language (Intl, which the browser has already; no date library), relative
// ("5 minutes ago") for the last week and the date beyond it, re-rendered by one shared
// timer while the page is open. The title is always the full date and time with the zone.
import { createElement, useSyncExternalStore } from "react";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n) => String(n).padStart(2, "0");

// "13 Mar 2025, 07:58 UTC": what the server HTML (and a page without JavaScript) shows.
function utcText(date) {
  return (
    `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
  );
}

const DAY = 86_400_000;
const UNITS = [
  ["day", DAY],
  ["hour", 3_600_000],
  ["minute", 60_000],
];
const RELATIVE_FOR = 7 * DAY;
const TICK = 30_000;

// The visitor's formats (their language and zone are the browser's defaults), made once.
let formats = null;
function visitorFormats() {
  formats ??= {
    date: new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" }),
    full: new Intl.DateTimeFormat(undefined, {
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    }),
    ago: new Intl.RelativeTimeFormat(undefined, { numeric: "always" }),
    now: new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }),
  };
  return formats;
}

// "5 minutes ago" (or "in 5 minutes", a mail's next attempt) within a week, else the date.
function relativeText(date, now) {
  const f = visitorFormats();
  const elapsed = now - date.getTime();
  const distance = Math.abs(elapsed);
  if (distance >= RELATIVE_FOR) return f.date.format(date);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(distance / size);
    if (count >= 1) return f.ago.format(elapsed > 0 ? -count : count, unit);
  }
  return f.now.format(0, "second"); // within a minute either way (clocks disagree a little)
}

// One clock for every date on the page: a timer runs only while some date shows.
let now = Date.now();
const listeners = new Set();
let timer = null;
function subscribe(listener) {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = null;
    }
  };
}
const clientNow = () => now;
const serverNow = () => null; // the server render and hydration: the UTC text

export function LocalTime({ value, relative = true, ...props }) {
  const current = useSyncExternalStore(subscribe, clientNow, serverNow);
  const date = value ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return createElement("span", props, "—");
  const utc = utcText(date);
  let text = utc;
  let title = utc;
  if (current !== null) {
    title = visitorFormats().full.format(date);
    text = relative ? relativeText(date, current) : title;
  }
  return createElement("time", { ...props, dateTime: value, title }, text);
}
