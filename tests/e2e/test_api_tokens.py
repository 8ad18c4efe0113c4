"""Journey: an admin makes an API token for a pipeline, copies it once, and revokes it."""

import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field


def test_make_a_token_use_it_once_shown_then_revoke_it(live_server, page: Page,
                                                        screenshot_dir):
    page.get_by_role("link", name="API tokens").click()
    field(page, "Name").fill("ci-deploy")
    page.get_by_label("Admin: may change settings and deploy").check()
    page.get_by_role("button", name="Make token").click()

    shown = page.locator("#new-token code")
    expect(shown).to_contain_text("gco_")
    secret = shown.inner_text().strip()
    page.screenshot(path=screenshot_dir / "api-token-made.png", full_page=True)
    answer = requests.get(f"{live_server.url}/api/v1/gitops/status", timeout=5,
                          headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert answer.json()["configured"] is False

    page.get_by_role("link", name="API tokens").click()  # the list never shows a secret
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(secret)
    expect(page.get_by_role("cell", name="ci-deploy", exact=True)).to_be_visible()
    page.get_by_role("button", name="Revoke ci-deploy").click()
    expect(page.get_by_role("cell", name="revoked", exact=False)).to_be_visible()
    refused = requests.get(f"{live_server.url}/api/v1/gitops/status", timeout=5,
                           headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
