"""Members-only posts: listed to accounts only; their content only for members."""

from __future__ import annotations

import pytest

from db.core.engine import session_scope
from db.core.errors import ActionError
from db.members import list_member_posts
from db.posts import get_post
from tests.factories import make_post, make_user, user_ctx

SECRET = "<p>Only members read this.</p>"


def test_visitors_are_refused_the_list(database):
    make_post("inside", members_only=True)
    with session_scope() as session, pytest.raises(ActionError) as caught:
        list_member_posts(session, user_ctx(None))
    assert caught.value.to_dict() == {
        "error": {"code": "UNAUTHORIZED", "message": "Please sign in to continue.", "fields": {}}
    }


def test_members_get_only_members_only_published_posts_without_content(database):
    make_post("public-post")
    make_post("inside", members_only=True, content_html=SECRET)
    make_post("draft-inside", members_only=True, status="draft")
    with session_scope() as session:
        listing = list_member_posts(session, user_ctx(make_user()))
    assert [p.slug for p in listing.items] == ["inside"] and listing.pages == 1
    assert listing.items[0].content_html == ""


def test_a_members_only_posts_content_is_withheld_from_visitors(database):
    make_post("inside", members_only=True, content_html=SECRET)
    with session_scope() as session:
        visitor = get_post(session, "inside")
        member = get_post(session, "inside", viewer_is_member=True)
    assert visitor is not None and visitor.content_html == "" and visitor.members_only
    assert member is not None and member.content_html == SECRET
