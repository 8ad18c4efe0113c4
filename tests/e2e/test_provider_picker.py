"""Journey: choose each provider and see its fields swap in without a page reload."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from webapp.providers import KINDS


def test_choosing_a_provider_swaps_its_fields_in_without_reloading(live_server, page: Page,
                                                                      screenshot_dir):
    page.goto(f"{live_server.url}/settings/gitops")
    expect(field(page, "GitHub organization name")).to_be_visible()
    page.evaluate("window.sameDocument = true")  # lost if the browser loads a new page

    for kind in ("gitlab", "azure_devops", "bitbucket_cloud", "github"):
        page.locator(f'.tab[data-kind="{kind}"]').click()
        expect(page.locator("#provider-heading")).to_contain_text(KINDS[kind].label)
        for spec in KINDS[kind].fields:
            expect(field(page, spec.label)).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/settings/gitops/{kind}")
        assert page.evaluate("window.sameDocument") is True

    page.locator('.tab[data-kind="bitbucket_cloud"]').click()
    page.get_by_label("App password (legacy)").check()
    expect(field(page, "Bitbucket username")).to_be_visible()
    expect(field(page, "Bitbucket app password")).to_be_visible()
    expect(page.get_by_text("Needs scopes: read:user")).to_be_hidden()

    page.locator('.tab[data-kind="gitlab"]').click()
    expect(field(page, "GitLab host")).to_have_value("https://gitlab.com")
    page.screenshot(path=screenshot_dir / "settings-gitlab.png", full_page=True)
