"""Contact form and newsletter in Chromium, with the app sending mail to a real SMTP server.

The shared app (``app_server``) sends mail to ``mail_sink``, a real SMTP server on
loopback, with ``OUTBOX_POLL_SECONDS=0.2`` so the outbox worker delivers at once, and
``SITE_URL`` is the app's own address so links in emails open it.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import ContactMessage, Subscriber
from tests.chromium import browser_context, wait_until_live
from tests.server import AppServer
from tests.smtp import Received, SmtpSink
from tests.waiting import eventually

RECEIVED = "Thanks! Your message has been received."
CHECK_INBOX = "Thanks! Check your inbox for a link to confirm your subscription."


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def contact_messages(name: str) -> list[ContactMessage]:
    with session_scope() as session:
        return list(session.exec(select(ContactMessage).where(ContactMessage.name == name)).all())


def subscriber(email: str) -> Subscriber | None:
    with session_scope() as session:
        return session.exec(select(Subscriber).where(Subscriber.email == email)).first()


def mail_to(sink: SmtpSink, address: str, subject_part: str = "", timeout: float = 20) -> Received:
    """The first mail to ``address`` whose subject contains ``subject_part``, waiting for it."""
    return eventually(
        lambda: next(
            (mail for mail in sink.to(address) if subject_part in str(mail.message["Subject"])),
            None,
        ),
        timeout=timeout,
    )


def link(mail: Received, kind: str) -> str:
    return next(url for url in mail.links() if f"/newsletter/{kind}/" in url)


# --------------------------------------------------------------------------- contact


def test_contact_message_is_stored_and_mailed_to_the_owner(
    page: Page, app_db: str, mail_sink: SmtpSink
):
    name, subject = unique("Ada"), unique("Engines")
    page.goto("/contact")
    expect(page.get_by_role("heading", name="Contact")).to_be_visible()
    page.fill("#contact-name", name)
    page.fill("#contact-email", "ada@example.com")
    page.fill("#contact-subject", subject)
    page.fill("#contact-message", "Could the engine compose music?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    expect(page.locator("#contact-name")).to_have_value("")
    assert len(contact_messages(name)) == 1
    mail = mail_to(mail_sink, "owner@example.com", subject)
    assert mail.message["Subject"] == f"[Atoll contact] {subject}"
    assert mail.message["Reply-To"] == f"{name} <ada@example.com>"
    assert "Could the engine compose music?" in mail.body


def test_contact_errors_appear_next_to_their_fields(page: Page, app_db: str):
    name = "Z"
    page.goto("/contact")
    expect(page.get_by_role("heading", name="Contact")).to_be_visible()
    page.fill("#contact-name", name)
    page.fill("#contact-email", "not-an-email")
    page.fill("#contact-subject", "x" * 121)  # maxlength stops typing at 120 …
    page.fill("#contact-message", "short")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#contact-name-error")).to_have_text("Name must be at least 2 characters.")
    expect(page.locator("#contact-email-error")).to_have_text("Enter a valid email address.")
    expect(page.locator("#contact-message-error")).to_have_text(
        "Message must be at least 10 characters."
    )
    expect(page.locator("#contact-subject-error")).to_have_text("")  # … so it is valid
    expect(page.locator("#contact-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#contact-name")).to_be_focused()
    assert contact_messages(name) == []


def test_the_button_is_disabled_while_the_action_runs(page: Page, app_db: str):
    name = unique("Patient")
    page.goto("/contact")
    expect(page.get_by_role("heading", name="Contact")).to_be_visible()
    page.fill("#contact-name", name)
    page.fill("#contact-email", "ada@example.com")
    page.fill("#contact-message", "Waiting for the database lock.")
    button = page.get_by_role("button", name="Send message")
    with session_scope(write=True):  # hold the write lock: the action must wait for it
        button.click()
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("aria-busy", "true")
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    expect(button).to_be_enabled()
    assert len(contact_messages(name)) == 1


def test_contact_works_without_javascript(
    browser: Browser, app_server: AppServer, app_db: str, mail_sink: SmtpSink
):
    name, subject = unique("NoScript"), unique("Plain form")
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/contact")
        page.fill("input[name=name]", name)
        page.fill("input[name=email]", "noscript@example.com")
        page.fill("input[name=subject]", subject)
        page.fill("textarea[name=message]", "Sent as a plain HTML form.")
        page.locator("#contact button[type=submit]").click()
        expect(page.locator("#outcome")).to_have_text(RECEIVED)
        assert len(contact_messages(name)) == 1
        assert "Sent as a plain HTML form." in mail_to(mail_sink, "owner@example.com", subject).body


# --------------------------------------------------------------------------- newsletter


def test_subscribe_confirm_and_unsubscribe_from_the_emails(
    page: Page, app_server: AppServer, app_db: str, mail_sink: SmtpSink
):
    email = f"{unique('reader')}@example.com"
    page.goto("/guestbook")  # the sign-up box is in the footer of every page
    wait_until_live(page)
    page.fill("#newsletter-email", email)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text(CHECK_INBOX)).to_be_visible()
    expect(page.locator("#newsletter-email")).to_have_value("")
    row = subscriber(email)
    assert row is not None and row.status == "pending"

    mail = mail_to(mail_sink, email)
    confirm, unsubscribe = link(mail, "confirm"), link(mail, "unsubscribe")
    assert confirm.startswith(app_server.base_url + "/newsletter/confirm/")
    page.goto(confirm)
    expect(page.locator("#newsletter-outcome")).to_have_text("You're subscribed.")
    row = subscriber(email)
    assert row is not None and row.status == "active"

    page.goto(unsubscribe)
    expect(page.locator("#newsletter-outcome")).to_have_text("You have been unsubscribed.")
    row = subscriber(email)
    assert row is not None and row.status == "unsubscribed"

    page.goto(confirm)  # the old confirmation link cannot re-subscribe
    expect(page.locator("#newsletter-outcome")).to_have_text(
        "This confirmation link is invalid or has expired."
    )


def test_broken_links_say_so(page: Page, app_db: str):
    page.goto("/newsletter/confirm/not-a-real-token")
    expect(page.locator("#newsletter-outcome")).to_have_text(
        "This confirmation link is invalid or has expired."
    )
    page.goto("/newsletter/unsubscribe/" + "x" * 300)  # too long to be ours
    expect(page.locator("#newsletter-outcome")).to_have_text("This unsubscribe link is invalid.")


def test_newsletter_error_appears_next_to_the_field(page: Page, app_db: str):
    page.goto("/contact")
    page.fill("#newsletter-email", "nope")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#newsletter-email-error")).to_have_text("Enter a valid email address.")
    expect(page.locator("#newsletter-email")).to_be_focused()
    assert subscriber("nope") is None


def test_newsletter_works_without_javascript(
    browser: Browser, app_server: AppServer, app_db: str, mail_sink: SmtpSink
):
    email = f"{unique('plain')}@example.com"
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/")
        page.fill("#newsletter input[name=email]", email)
        page.locator("#newsletter button[type=submit]").click()
        expect(page.locator("#outcome")).to_have_text(CHECK_INBOX)
        row = subscriber(email)
        assert row is not None and row.status == "pending"
        assert link(mail_to(mail_sink, email), "confirm")
