"""Reusable UI islands; each takes plain arguments and binds to its state class."""

from components.comments import comment_section
from components.contact import contact_form
from components.guestbook import guestbook_section
from components.layout import page_layout
from components.likes import like_button
from components.newsletter import newsletter_signup
from components.ratings import star_rating

__all__ = [
    "comment_section",
    "contact_form",
    "guestbook_section",
    "like_button",
    "newsletter_signup",
    "page_layout",
    "star_rating",
]
