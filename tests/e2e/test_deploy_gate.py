"""Journey: Charts shows the blocking banner until a provider is saved, and not after."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.provider_inputs import VALID

GATE = "GitOps is not configured: deployments cannot run until a git provider is saved and active."


def test_the_charts_page_is_blocked_until_a_provider_is_saved(live_server, page: Page):
    page.goto(f"{live_server.url}/charts")
    expect(page.get_by_role("alert")).to_contain_text(GATE)
    expect(page.get_by_role("button", name="Deploy")).to_be_disabled()

    page.get_by_role("link", name="Configure a git provider").click()
    page.locator('.tab[data-kind="github"]').click()
    field(page, "GitHub organization name").fill(VALID["github"]["organization"])
    field(page, "GitHub username").fill(VALID["github"]["username"])
    field(page, "GitHub personal access token").fill(VALID["github"]["token"])
    page.get_by_role("button", name="Save").click()
    expect(page.locator('.tab[data-kind="github"] .tick')).to_be_visible()

    page.get_by_role("link", name="Charts").click()
    expect(page.get_by_text(GATE)).to_have_count(0)
    expect(page.locator("#gitops-gate")).to_contain_text("Deploying through GitHub")
    expect(page.get_by_role("button", name="Deploy")).to_be_enabled()
