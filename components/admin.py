"""The admin dashboard: an activity chart over tabs for each thing an admin looks after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.dates import moment
from components.forms import backend_url
from components.layout import loading
from state.admin import AdminState as S

MODERATION_FILTERS = ["all", "visible", "hidden", "removed"]


def _filter(section: str, options: list[str], label: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2"),
        rx.select(
            options,
            value=S.status[section],
            on_change=lambda value: S.load_section(section, value),
            size="1",
            id=f"{section}-filter",
            # The trigger shows only the chosen value; its name says what it chooses.
            custom_attrs={"aria-label": f"{label} {section}"},
        ),
        align="center",
        spacing="2",
    )


def _pager(section: str) -> rx.Component:
    page, pages = S.page[section], S.pages[section]
    return rx.hstack(
        rx.button(
            "← Previous",
            size="1",
            variant="soft",
            disabled=page <= 1,
            on_click=S.load_page(section, (page - 1).to(int)),
        ),
        rx.text("Page ", page, " of ", pages, " · ", S.total[section], " in all", size="2"),
        rx.button(
            "Next →",
            size="1",
            variant="soft",
            disabled=page >= pages,
            on_click=S.load_page(section, (page + 1).to(int)),
        ),
        spacing="3",
        align="center",
        aria_label=f"{section} pages",
    )


def _listing(section: str, controls: rx.Component, *rows: rx.Component) -> rx.Component:
    """A tab that lists one section's rows: its controls (the filter) above, the pager below."""
    return rx.vstack(controls, *rows, _pager(section), spacing="3", width="100%")


def _status_badge(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        row["is_removed"],
        rx.badge("removed", color_scheme="red"),
        rx.cond(
            row["is_public"],
            rx.badge("visible", color_scheme="green"),
            rx.badge("hidden", color_scheme="amber"),
        ),
    )


def _moderation_row(section: str, row: ObjectVar[dict[str, Any]]) -> rx.Component:
    row_id = row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row["who"], weight="bold"),
                rx.cond(row["member"], rx.badge("member", variant="outline")),
                rx.text(row["where"], " · ", moment(row["created"]), size="1", color_scheme="gray"),
                rx.spacer(),
                _status_badge(row),
                width="100%",
                align="center",
            ),
            rx.text(row["text"], white_space="pre-wrap", size="2"),
            rx.hstack(
                rx.cond(
                    row["is_public"],
                    rx.button(
                        "Hide",
                        size="1",
                        variant="soft",
                        on_click=S.submit_moderation(section, row_id, "is_public", False),
                    ),
                    rx.button(
                        "Show",
                        size="1",
                        variant="soft",
                        on_click=S.submit_moderation(section, row_id, "is_public", True),
                    ),
                ),
                rx.cond(
                    row["is_removed"],
                    rx.button(
                        "Restore",
                        size="1",
                        variant="soft",
                        on_click=S.submit_moderation(section, row_id, "is_removed", False),
                    ),
                    rx.button(
                        "Remove",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=S.submit_moderation(section, row_id, "is_removed", True),
                    ),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name=f"admin-{section}-row",
    )


def _moderation(section: str) -> rx.Component:
    return _listing(
        section,
        _filter(section, MODERATION_FILTERS, "Show"),
        rx.foreach(S.rows[section], lambda row: _moderation_row(section, row)),
        rx.cond(S.total[section] == 0, rx.text("Nothing here.", color_scheme="gray")),
    )


def _message_row(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row["name"], weight="bold"),
                rx.link(row["email"], href="mailto:" + row["email"].to(str)),
                rx.text(moment(row["created"]), size="1", color_scheme="gray"),
                rx.spacer(),
                rx.cond(row["is_read"], rx.badge("read"), rx.badge("unread", color_scheme="blue")),
                width="100%",
                align="center",
            ),
            rx.text(row["subject"], weight="medium"),
            rx.text(row["text"], white_space="pre-wrap", size="2"),
            rx.cond(
                row["is_read"],
                rx.button(
                    "Mark unread",
                    size="1",
                    variant="soft",
                    on_click=S.toggle_message_read(row["id"], False),
                ),
                rx.button(
                    "Mark read",
                    size="1",
                    variant="soft",
                    on_click=S.toggle_message_read(row["id"], True),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="admin-messages-row",
    )


def _inbox() -> rx.Component:
    return _listing(
        "messages",
        _filter("messages", ["unread", "read", "all"], "Show"),
        rx.foreach(S.rows["messages"], _message_row),
        rx.cond(S.total["messages"] == 0, rx.text("No messages.", color_scheme="gray")),
    )


def _table(
    headers: list[str],
    rows: rx.Var,
    cells: Callable[[ObjectVar[dict[str, Any]]], list[rx.Component]],
    row_class: str,
    *,
    label: str,
) -> rx.Component:
    """A table in a box of its own that scrolls sideways when the table is wider than the
    screen (a phone), so the page itself never does. The box is a focusable, named region:
    keyboard users scroll it with the arrow keys, screen readers announce what it holds."""
    return rx.el.div(
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
            rx.table.body(
                rx.foreach(rows, lambda row: rx.table.row(*cells(row), class_name=row_class))
            ),
            width="100%",
            size="1",
        ),
        role="region",
        aria_label=label,
        tab_index=0,
        class_name="table-scroll",
    )


def _subscribers() -> rx.Component:
    csv_href = backend_url("/api/admin/subscribers.csv") + "?status=" + S.status["subscribers"]
    return _listing(
        "subscribers",
        rx.hstack(
            _filter("subscribers", ["all", "pending", "active", "unsubscribed"], "Show"),
            # A document request, not a client-side route: the endpoint answers with the file.
            rx.el.a(
                "Download CSV",
                href=csv_href,
                download="subscribers.csv",
                id="subscribers-csv",
                custom_attrs={"reloadDocument": True},
            ),
            spacing="5",
            align="center",
        ),
        _table(
            ["Email", "Status", "Subscribed", "Confirmed"],
            S.rows["subscribers"],
            lambda r: [
                rx.table.cell(r["email"]),
                rx.table.cell(r["status"]),
                rx.table.cell(moment(r["created"], relative=False)),
                rx.table.cell(moment(r["confirmed"], relative=False)),
            ],
            "admin-subscribers-row",
            label="Subscribers",
        ),
    )


def _outbox() -> rx.Component:
    return _listing(
        "outbox",
        _filter("outbox", ["all", "pending", "sending", "failed", "sent"], "Show"),
        _table(
            ["Kind", "Status", "Attempts", "Next attempt", "Sent", "Last error", ""],
            S.rows["outbox"],
            lambda r: [
                rx.table.cell(r["kind"]),
                rx.table.cell(r["status"], class_name="outbox-status"),
                rx.table.cell(r["attempts"]),
                # Only mail still waiting (pending, failed) has one; the rest shows "—".
                rx.table.cell(moment(r["due"], relative=False), class_name="outbox-due"),
                rx.table.cell(moment(r["sent"], relative=False), class_name="outbox-sent"),
                rx.table.cell(rx.text(r["error"], size="1")),
                rx.table.cell(
                    rx.cond(
                        r["retryable"],
                        rx.button(
                            "Retry now",
                            size="1",
                            variant="soft",
                            on_click=S.submit_outbox_retry(r["id"]),
                        ),
                    )
                ),
            ],
            "admin-outbox-row",
            label="Outgoing mail",
        ),
    )


def _code(text: str) -> rx.Component:
    return rx.code(text, variant="ghost")


def _wordpress_empty() -> rx.Component:
    """What the WordPress tab says before WordPress is connected: how to connect it."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("plug", size=20, aria_hidden="true"),
                rx.heading("WordPress is not connected", size="4", as_="h3"),
                align="center",
                spacing="2",
            ),
            rx.text(
                "Posts are Atoll's own until a WordPress site feeds the blog. To connect "
                "one, set these in the environment (or .env) and restart Atoll:"
            ),
            rx.el.ul(
                rx.el.li(_code("WORDPRESS_URL"), ": the site's address, e.g. https://example.org"),
                rx.el.li(
                    _code("WORDPRESS_WEBHOOK_SECRET"),
                    ": the key WordPress signs change notifications with",
                ),
                rx.el.li(
                    _code("WORDPRESS_USER"),
                    " and ",
                    _code("WORDPRESS_APP_PASSWORD"),
                    ": optional, to copy drafts and private posts too",
                ),
                class_name="wordpress-settings",
            ),
            rx.text(
                "Then press “Sync now” here, or run ",
                _code(".venv/bin/python -m db sync-wordpress"),
                ". Step by step, with the WordPress plugin snippet: the README section "
                "“WordPress → libSQL”. Until then, webhook events are stored but not processed.",
            ),
            spacing="3",
        ),
        width="100%",
        id="wordpress-empty",
    )


def _sync_progress() -> rx.Component:
    """The latest full sync run: live pages copied while it runs, then how it ended."""
    run = S.sync_run
    pages = run["pages"].to(int)
    copied = rx.cond(pages == 1, "1 page", pages.to_string() + " pages")
    return rx.cond(
        run["running"],
        rx.vstack(
            rx.text("Full sync running: ", copied, " of posts copied so far…"),
            rx.progress(duration="1s", custom_attrs={"aria-label": "Full sync progress"}),
            spacing="2",
            width="100%",
            id="sync-progress",
        ),
        rx.cond(
            run["status"] == "done",
            rx.text("Full sync finished: ", copied, " of posts copied.", id="sync-finished"),
            rx.cond(
                run["status"] == "failed",
                rx.text("Full sync failed: ", run["error"], color_scheme="red", id="sync-failed"),
            ),
        ),
    )


def _sync() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.sync["configured"],
            rx.vstack(
                rx.text(
                    "WordPress is connected. Last full sync: ",
                    moment(S.sync["last_full_sync"].to(str)),
                ),
                rx.button(
                    "Sync now",
                    on_click=S.submit_sync_now,
                    loading=S.sync_run["running"].to(bool),
                    id="sync-now",
                ),
                spacing="3",
            ),
            _wordpress_empty(),
        ),
        # A run can be under way without WORDPRESS_URL here (another process, the CLI).
        rx.box(_sync_progress(), aria_live="polite", width="100%"),
        rx.text(S.sync["pending"], " waiting · ", S.sync["failed"], " failed", size="2"),
        rx.text(
            "Last reconciliation: ",
            moment(S.sync["last_reconcile"].to(str)),
            " · ",
            S.sync["reconciled"],
            size="2",
            id="sync-reconcile",
        ),
        _table(
            [
                "#",
                "Source",
                "Post",
                "Action",
                "Status",
                "Attempts",
                "Received",
                "Processed",
                "Error",
            ],
            S.sync_events,
            lambda e: [
                rx.table.cell(e["id"]),
                rx.table.cell(e["source"]),
                rx.table.cell(e["post"]),
                rx.table.cell(e["action"]),
                rx.table.cell(e["status"]),
                rx.table.cell(e["attempts"]),
                rx.table.cell(moment(e["received"], relative=False)),
                rx.table.cell(moment(e["processed"], relative=False)),
                rx.table.cell(rx.text(e["error"], size="1")),
            ],
            "admin-sync-row",
            label="WordPress events",
        ),
        spacing="3",
        width="100%",
    )


# (data key, label, colour): the chart's series, in legend order.
SERIES = (
    ("likes", "Likes", "#e5484d"),
    ("ratings", "Ratings", "#ad5700"),
    ("comments", "Comments", "#0d74ce"),
)


def _legend_item(key: str, label: str, colour: str) -> rx.Component:
    """A legend entry that is also a toggle button: it shows or hides its series."""
    shown = ~S.hidden_series.contains(key)
    return rx.el.button(
        rx.el.span(
            aria_hidden="true",
            class_name="chart-legend-swatch",
            style={
                "display": "inline-block",
                "width": "0.75rem",
                "height": "0.75rem",
                "border_radius": "2px",
                "border": f"2px solid {colour}",
                "background": rx.cond(shown, colour, "transparent"),
            },
        ),
        label,
        type="button",
        aria_pressed=rx.cond(shown, "true", "false"),
        on_click=S.toggle_series(key),
        class_name="chart-legend-item",
        id=f"legend-{key}",
        style={
            "display": "inline-flex",
            "align_items": "center",
            "gap": "0.4rem",
            "min_height": "44px",
            "padding": "0 0.75rem",
            "border": "1px solid var(--gray-a6)",
            "border_radius": "var(--radius-2)",
            "background": "transparent",
            "color": "var(--gray-12)",
            "font_size": "var(--font-size-2)",
            "cursor": "pointer",
            # A hidden series' entry is struck through as well as unfilled: not colour alone.
            "text_decoration": rx.cond(shown, "none", "line-through"),
        },
    )


def _activity_chart() -> rx.Component:
    """Likes, ratings and comments per day as grouped bars: an empty day is simply empty.

    The legend is a row of toggle buttons (keyboard and screen-reader usable) rather than
    recharts' own, whose click carries no series; the tooltip gives the day's figures.
    """
    return rx.card(
        rx.vstack(
            rx.heading("Last 30 days", size="4", as_="h2", id="activity-heading"),
            rx.hstack(
                *(_legend_item(*series) for series in SERIES),
                spacing="2",
                wrap="wrap",
                role="group",
                aria_label="Series shown",
                class_name="chart-legend",
            ),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                rx.recharts.x_axis(data_key="day", min_tick_gap=16),
                rx.recharts.y_axis(allow_decimals=False, width=32),
                rx.recharts.tooltip(cursor={"fill": "rgba(0, 0, 0, 0.06)"}),
                *(
                    rx.recharts.bar(
                        data_key=key,
                        name=label,
                        fill=colour,
                        max_bar_size=12,
                        is_animation_active=False,
                        custom_attrs={"hide": S.hidden_series.contains(key)},
                    )
                    for key, label, colour in SERIES
                ),
                data=S.activity,
                width="100%",
                height=280,
                bar_gap=1,
            ),
            width="100%",
        ),
        width="100%",
        id="activity-chart",
        aria_labelledby="activity-heading",
        role="region",
    )


def _dashboard() -> rx.Component:
    return rx.vstack(
        _activity_chart(),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Comments", value="comments"),
                rx.tabs.trigger("Guestbook", value="entries"),
                rx.tabs.trigger(rx.text("Inbox (", S.unread, ")"), value="messages"),
                rx.tabs.trigger("Subscribers", value="subscribers"),
                rx.tabs.trigger("Outbox", value="outbox"),
                rx.tabs.trigger("WordPress", value="sync"),
            ),
            rx.tabs.content(_moderation("comments"), value="comments", padding_top="1rem"),
            rx.tabs.content(_moderation("entries"), value="entries", padding_top="1rem"),
            rx.tabs.content(_inbox(), value="messages", padding_top="1rem"),
            rx.tabs.content(_subscribers(), value="subscribers", padding_top="1rem"),
            rx.tabs.content(_outbox(), value="outbox", padding_top="1rem"),
            rx.tabs.content(_sync(), value="sync", padding_top="1rem"),
            default_value="comments",
            width="100%",
        ),
        spacing="5",
        width="100%",
        id="admin-dashboard",
    )


def admin_dashboard() -> rx.Component:
    """Everything under the ``/admin`` heading: the dashboard, a refusal, or a spinner."""
    return rx.cond(
        S.allowed,
        _dashboard(),
        rx.cond(
            S.denied != "",
            rx.callout(S.denied, icon="shield_alert", color_scheme="red", id="admin-denied"),
            loading(),
        ),
    )
