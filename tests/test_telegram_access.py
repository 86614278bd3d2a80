"""Allow-list, admins, the per-user rate limit, and upload file names."""

from __future__ import annotations

import pytest

from bot.core.ratelimit import RateLimit
from bot.settings import parse_ids
from bot.telegram.access import Access
from bot.telegram.admin import safe_filename


def test_parse_ids():
    assert parse_ids("1, 2;-100") == frozenset({1, 2, -100})
    assert parse_ids("") == frozenset() and parse_ids(None) is None
    with pytest.raises(ValueError, match="integers"):
        parse_ids("1,alice")


def test_empty_allow_list_admits_everyone_and_admins_are_always_admitted():
    assert Access().allows(5, 5)
    access = Access(allowed_ids=frozenset({1, -100}), admin_ids=frozenset({9}))
    assert access.allows(1, 1) and access.allows(2, -100)  # a listed user, or anyone in a listed group
    assert not access.allows(2, 2)
    assert access.allows(9, 9) and access.is_admin(9) and not access.is_admin(1) and not access.is_admin(None)


def test_rate_limit_is_per_user_over_a_sliding_minute():
    now = [0.0]
    rate = RateLimit(2, clock=lambda: now[0])
    assert rate.wait(1) == 0 and rate.wait(1) == 0
    assert rate.wait(1) == pytest.approx(60)
    assert rate.wait(2) == 0  # other users are not affected
    now[0] = 30
    assert rate.wait(1) == pytest.approx(30)
    now[0] = 60
    assert rate.wait(1) == 0
    assert RateLimit(0).wait(1) == 0  # 0 turns the limit off


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("报告.txt", "报告.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.md", "win.md"),
        (".hidden.html", "hidden.html"),
        ("a b;rm -rf.TXT", "a_b_rm_-rf.txt"),
        ("..", "upload"),
        ("/", "upload"),
        ("noext", "noext"),
    ],
)
def test_upload_names_are_plain_file_names(raw, safe):
    assert safe_filename(raw) == safe
