import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_opens_the_home_page_and_reads_the_roadmap(page, live_server, roadmap):
    page.goto(live_server.url)
    expect(page).to_have_title("Roadmap · Next Steps")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where to go from here")
    for part in ("Build a Strong Portfolio", "Specialize and Go Deeper", "Join the Community"):
        expect(page.get_by_role("heading", name=part)).to_be_visible()
    expect(page.get_by_role("heading", name="Career tracks")).to_be_visible()

    page.get_by_role("navigation", name="Roadmap map").get_by_role(
        "link", name="Join the Community"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/#join-the-community")
    milestone = page.get_by_role(
        "article", name="Read Attention Is All You Need in its original form"
    )
    expect(
        milestone.get_by_role("link", name="Attention Is All You Need (arXiv)")
    ).to_have_attribute("href", "https://arxiv.org/abs/1706.03762")


def test_a_visitor_finds_what_the_tracks_are_beside_their_names(page, live_server, roadmap):
    """The focus links named the tracks, and what each one is was said only at the page's end,
    about 10,000 px further down, with nothing leading there."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url)
    focus = page.get_by_role("navigation", name="Focus on a career track")
    focus.get_by_role("link", name="What the tracks are").click()
    expect(page).to_have_url(f"{live_server.url}/#career-tracks")
    expect(page.get_by_role("heading", name="Career tracks")).to_be_in_viewport()
    expect(page.get_by_role("heading", name="ML Engineer", level=3)).to_be_in_viewport()
