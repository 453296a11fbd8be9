"""Lighthouse on each page, phone and desktop: the performance metrics and the category scores.

    make lighthouse   # once: Lighthouse 12.2.3 into .tools/lighthouse (needs Node 20+, Chromium)
    .venv/bin/python -m bench.lighthouse [--runs 3] [--pages /,/blog,/blog/hello-atoll,/guestbook]
                                         [--verbose] [--url http://127.0.0.1:3000]

Starts the full production build on a fresh seeded database (as ``pages.py`` does), or
audits the app at ``--url``. For each page, Lighthouse's default (a mid-range phone on a
slow 4G, simulated) and ``--preset=desktop``, each ``--runs`` times in a fresh headless
Debian Chromium; every figure printed is the median of the runs, taken figure by figure:
the performance score, First Contentful Paint, Largest Contentful Paint, Total Blocking
Time, Cumulative Layout Shift, and the accessibility, best-practices and SEO scores.
``--verbose`` adds the audits that failed (scored below 0.9) in any run, with how many
(the metrics themselves, and the audits Lighthouse's report hides, aside).

The timings are Lighthouse's simulation (Lantern) from a trace taken on this machine, so
CPU taken by other processes still moves them: the load average is printed beside every
line, and Lighthouse's own CPU benchmark (``BI``, its ``benchmarkIndex``; a fast desktop
is ~1500-2500) shows what the browser got.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.browsing import check_build, chosen_pages, page_arguments
from bench.harness import ROOT, header, load_average, target
from tests.chromium import CHROMIUM

LIGHTHOUSE = ROOT / ".tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RUN_TIMEOUT = 300.0
"""Seconds one Lighthouse run may take (it waits up to 45 s for a page's load itself)."""

FORM_FACTORS = {"mobile": [], "desktop": ["--preset=desktop"]}
NOT_SCORED = {"notApplicable", "manual", "informative", "error"}
HIDDEN_GROUPS = {"metrics", "hidden"}
"""Audits not listed as failing: the metrics (on the line already) and those Lighthouse's
own report hides (TTI, Max Potential FID: weight 0 since Lighthouse 10)."""


@dataclass
class Audit:
    """The figures of one Lighthouse run."""

    scores: dict[str, float]  # category id → 0..100
    fcp: float  # ms
    lcp: float  # ms
    tbt: float  # ms
    cls: float
    benchmark: float
    failing: list[str] = field(default_factory=list)


def parse(report: dict[str, Any]) -> Audit:
    """The figures of one run from Lighthouse's JSON result (its ``lhr``)."""
    if error := report.get("runtimeError"):
        raise RuntimeError(f"{error.get('code')}: {error.get('message')}")
    audits = report["audits"]

    def metric(audit_id: str) -> float:
        value = audits[audit_id].get("numericValue")
        if value is None:  # the page never painted, or the trace was unusable
            raise RuntimeError(f"no {audit_id}: {audits[audit_id].get('errorMessage', 'no value')}")
        return float(value)

    scores = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        scores[name] = float("nan") if score is None else score * 100
    failing = sorted(
        {
            audits[ref["id"]]["title"]
            for name in CATEGORIES
            for ref in report["categories"][name]["auditRefs"]
            if ref.get("group") not in HIDDEN_GROUPS
            and audits[ref["id"]].get("scoreDisplayMode") not in NOT_SCORED
            and audits[ref["id"]].get("score") is not None
            and audits[ref["id"]]["score"] < 0.9
        }
    )
    return Audit(
        scores,
        metric("first-contentful-paint"),
        metric("largest-contentful-paint"),
        metric("total-blocking-time"),
        metric("cumulative-layout-shift"),
        float(report.get("environment", {}).get("benchmarkIndex") or 0),
        failing,
    )


async def lighthouse(url: str, form_factor: str) -> Audit:
    """One Lighthouse run in a fresh Chromium profile (chrome-launcher makes and removes it)."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
        *FORM_FACTORS[form_factor],
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        env=os.environ | {"CHROME_PATH": CHROMIUM},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"lighthouse took over {RUN_TIMEOUT:.0f}s on {url}") from None
    if process.returncode != 0 or not out:
        raise RuntimeError(
            f"lighthouse exited {process.returncode} on {url}:\n{err.decode()[-2000:]}"
        )
    return parse(json.loads(out))


async def audit(url: str, form_factor: str) -> Audit:
    """One run, tried a second time if Lighthouse fails: headless Chromium now and then
    reports no paint (NO_FCP) for a page that paints on the next try. A page whose scripts
    are gone (:func:`browsing.check_build`) stops the benchmark instead."""
    await check_build(url)
    try:
        return await lighthouse(url, form_factor)
    except RuntimeError as error:
        await check_build(url)
        print(f"    retrying once: {str(error).splitlines()[-1]}", flush=True)
        return await lighthouse(url, form_factor)


def line(path: str, form_factor: str, audits: list[Audit], seconds: float) -> str:
    def mid(values: list[float]) -> float:
        return statistics.median(values)

    def score(name: str) -> str:
        value = mid([a.scores[name] for a in audits])
        return "  –" if math.isnan(value) else f"{value:3.0f}"  # NaN: the category had no score

    return (
        f"{path:<20} {form_factor:<7} perf {score('performance')}  "
        f"FCP {mid([a.fcp for a in audits]) / 1000:5.2f} s  "
        f"LCP {mid([a.lcp for a in audits]) / 1000:5.2f} s  "
        f"TBT {mid([a.tbt for a in audits]):5.0f} ms  CLS {mid([a.cls for a in audits]):.3f}  "
        f"a11y {score('accessibility')}  best {score('best-practices')}  SEO {score('seo')}  "
        f"(median of {len(audits)} in {seconds:.0f}s; BI {mid([a.benchmark for a in audits]):.0f}; "
        f"load {load_average():.2f})"
    )


def failures(audits: list[Audit]) -> list[str]:
    counts = Counter(title for audit in audits for title in audit.failing)
    return [
        f"    failing: {title}" + ("" if n == len(audits) else f" ({n}/{len(audits)} runs)")
        for title, n in sorted(counts.items())
    ]


async def main(args: argparse.Namespace) -> None:
    pages = chosen_pages(args)
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE.relative_to(ROOT)} is missing: run `make lighthouse` first")
    async with target(args, frontend=True) as app:
        header(f"Lighthouse 12 at {app.base_url}, Debian Chromium, median of {args.runs} per line")
        for path in pages:
            for form_factor in FORM_FACTORS:
                started = time.perf_counter()
                audits = [await audit(app.base_url + path, form_factor) for _ in range(args.runs)]
                print(line(path, form_factor, audits, time.perf_counter() - started), flush=True)
                if args.verbose:
                    print("\n".join(failures(audits)) or "    failing: none", flush=True)


if __name__ == "__main__":
    parser = page_arguments(__doc__, runs=3)
    parser.add_argument("--verbose", action="store_true", help="also list the audits that failed")
    asyncio.run(main(parser.parse_args()))
