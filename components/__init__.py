"""Reusable UI islands; each takes plain arguments and binds to its state class."""

from components.guestbook import guestbook_section
from components.layout import page_layout
from components.likes import like_button

__all__ = ["guestbook_section", "like_button", "page_layout"]
