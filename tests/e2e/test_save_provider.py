"""Journey: save GitLab (validated against its simulator), see the green tick, reload and
see the token masked."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.fakes import gitlab as fake


@pytest.mark.parametrize("provider_sim", ["gitlab"], indirect=True)
def test_saving_gitlab_activates_it_and_the_token_stays_masked(live_server, provider_sim,
                                                               page: Page, screenshot_dir):
    page.goto(f"{live_server.url}/settings/gitops/gitlab")
    field(page, "GitLab host").fill(provider_sim.url)
    field(page, "GitLab group id").fill("platform/apps")
    field(page, "GitLab username").fill("jane.doe")
    field(page, "GitLab personal access token").fill(fake.GOOD_TOKEN)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text(
        "GitLab is saved and is now the active provider.")
    expect(page.locator('.tab[data-kind="gitlab"] .tick')).to_be_visible()
    expect(page.locator('.tab[data-kind="github"] .tick')).to_have_count(0)

    page.reload()
    token = field(page, "GitLab personal access token")
    expect(token).to_have_value("")
    expect(token).to_have_attribute("placeholder", "•••••••• saved")
    expect(page.get_by_text("A token is saved. Leave this blank to keep it.")).to_be_visible()
    expect(field(page, "GitLab group id")).to_have_value("platform/apps")
    expect(page.locator('.tab[data-kind="gitlab"] .tick')).to_be_visible()
    assert fake.GOOD_TOKEN not in page.content()
    page.screenshot(path=screenshot_dir / "settings-saved.png", full_page=True)
