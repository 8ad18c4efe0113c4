"""Journey: Charts shows the blocking banner until a provider is saved, and not after."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.fakes import github as fake

GATE = "GitOps is not configured: deployments cannot run until a git provider is saved and active."


@pytest.mark.parametrize("provider_sim", ["github"], indirect=True)
def test_the_charts_page_is_blocked_until_a_provider_is_saved(live_server, provider_sim,
                                                              page: Page):
    page.goto(f"{live_server.url}/charts")
    expect(page.get_by_role("alert")).to_contain_text(GATE)
    expect(page.get_by_role("button", name="Deploy")).to_be_disabled()

    page.get_by_role("link", name="Configure a git provider").click()
    # No provider is active, so the page opens on GitHub (clicking its tab would swap the
    # panel under the fields being filled).
    expect(page.locator("#provider-heading")).to_contain_text("GitHub")
    field(page, "GitHub host").fill(provider_sim.url)
    field(page, "GitHub organization name").fill("acme")
    field(page, "GitHub username").fill("octocat")
    field(page, "GitHub personal access token").fill(fake.GOOD_TOKEN)
    page.get_by_role("button", name="Save").click()
    expect(page.locator('.tab[data-kind="github"] .tick')).to_be_visible()

    page.get_by_role("link", name="Charts").click()
    expect(page.get_by_text(GATE)).to_have_count(0)
    expect(page.locator("#gitops-gate")).to_contain_text("Deploying through GitHub")
    expect(page.locator("#deploy-panel")).to_contain_text("Create an application")
