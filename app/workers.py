"""The outbox worker: sends queued email for as long as the backend runs.

:func:`outbox_worker` is a Reflex lifespan task (listed in ``app/tasks.py``); each backend
process runs one, and claims with leases keep them from sending the same row at once.
The same loop runs without Reflex as ``python -m app.workers`` (``--once`` for one batch),
which is how tests kill a worker mid-send and start another. Every send is blocking
(:func:`db.jobs.mail.deliver_due`) and runs in a thread (:func:`db.jobs.queue.work_forever`),
so the event loop keeps serving pages.

Without SMTP configured the worker idles: queued mail stays ``pending`` and goes out when
a restarted backend finds ``SMTP_HOST`` and ``MAIL_FROM`` set.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from db.jobs.mail import MAIL, deliver_due
from db.jobs.queue import work_forever

log = logging.getLogger("atoll.workers")


async def outbox_worker() -> None:
    """Send due mail every ``OUTBOX_POLL_SECONDS`` until cancelled (the lifespan task)."""
    await work_forever(
        MAIL,
        deliver_due,
        log=log,
        idle_warning="SMTP_HOST/MAIL_FROM not set: email is stored in the outbox, not sent",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.workers [--once]``: run the worker outside the web server."""
    parser = argparse.ArgumentParser(prog="python -m app.workers", description=__doc__)
    parser.add_argument("--once", action="store_true", help="send one batch of due mail and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.once:
        report = deliver_due()
        print(
            f"sent {report.done}, retrying {report.retrying}, failed {report.failed}"
            + ("" if report.configured else " (SMTP not configured)")
        )
        return 0
    asyncio.run(outbox_worker())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
