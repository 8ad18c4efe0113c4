"""Journey: validate a GitHub configuration against the simulator, fix the token, save."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.fakes import github as fake


def fill_github(page: Page, simulator, token: str) -> None:
    field(page, "GitHub host").fill(simulator.url)
    field(page, "GitHub organization name").fill("acme")
    field(page, "GitHub username").fill("octocat")
    field(page, "GitHub personal access token").fill(token)


@pytest.mark.parametrize("provider_sim", ["github"], indirect=True)
def test_a_token_without_delete_repo_warns_then_a_good_one_saves(live_server, provider_sim,
                                                                page: Page, screenshot_dir):
    page.goto(f"{live_server.url}/settings/gitops/github")
    fill_github(page, provider_sim, fake.NO_DELETE_TOKEN)

    page.get_by_role("button", name="Validate").click()

    results = page.locator("#validation-results")
    expect(results.locator('[data-stage="delete_repository"]')).to_have_class("stage warning")
    expect(results.locator('[data-stage="scopes"]')).to_contain_text("delete_repo")
    expect(results.locator('[data-stage="delete_repository"]')).to_contain_text("by hand")
    expect(results.locator('[data-stage="commit"]')).to_have_class("stage passed")
    page.screenshot(path=screenshot_dir / "validation-warning.png", full_page=True)
    expect(page.locator('.tab[data-kind="github"] .tick')).to_have_count(0)

    field(page, "GitHub personal access token").fill(fake.GOOD_TOKEN)
    page.get_by_role("button", name="Save").click()

    expect(page.locator('.tab[data-kind="github"] .tick')).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("GitHub is saved and is now the active")
    expect(page.locator('[data-stage="delete_repository"]')).to_have_class("stage passed")
    page.screenshot(path=screenshot_dir / "validation-saved.png", full_page=True)


@pytest.mark.parametrize("provider_sim", ["github"], indirect=True)
def test_a_wrong_token_fails_at_authenticate_and_saves_nothing(live_server, provider_sim,
                                                              page: Page):
    page.goto(f"{live_server.url}/settings/gitops/github")
    fill_github(page, provider_sim, fake.WRONG_TOKEN)

    page.get_by_role("button", name="Save").click()

    expect(page.locator('[data-stage="authenticate"]')).to_have_class("stage failed")
    expect(page.locator('[data-stage="authenticate"] .symbol')).to_have_text("✗")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    page.reload()
    expect(page.locator(".tab .tick, .tab .tick-pending, .tab .saved-mark")).to_have_count(0)
