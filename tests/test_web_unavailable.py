"""The answers nginx gives when no web app instance answers (bot.web.unavailable)."""

import json

from bot.web.unavailable import write_pages
from tests.test_web_chat import assert_points_to_the_hotline


def test_the_load_balancer_pages_point_to_the_hotline_in_danish(tmp_path):
    write_pages(tmp_path)
    refusal = json.loads((tmp_path / "unavailable.json").read_text(encoding="utf-8"))
    assert refusal["error"] == "unavailable"  # what the widget shows as a notice on a 503
    assert_points_to_the_hotline(refusal["text"])
    page = (tmp_path / "unavailable.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in page and "<script" not in page
    assert_points_to_the_hotline(page)
