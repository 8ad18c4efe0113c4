"""Journey: preview a change and see its diff, deploy exactly it, roll back from the
history, then deploy in merge-request mode, follow the link and see it merged."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.e2e.test_deploy_gitlab import activate_gitlab


def set_replicas(page: Page, replicas: int) -> None:
    values = field(page, "Values (YAML)")
    values.fill(re.sub(r"replicaCount: \d+", f"replicaCount: {replicas}", values.input_value()))


@pytest.mark.parametrize("provider_sim", ["gitlab"], indirect=True)
def test_preview_deploy_roll_back_and_propose(live_server, provider_sim, page: Page,
                                              screenshot_dir):
    activate_gitlab(page, live_server, provider_sim)
    page.get_by_role("link", name="Deployment Template").click()
    field(page, "Application name").fill("shop")
    field(page, "Environments").fill("dev")
    page.get_by_role("button", name="Create application").click()
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deploy-result")).to_contain_text("Deployed shop to dev: revision 1.")

    set_replicas(page, 3)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.locator(".diff .remove")).to_have_text("-replicaCount: 1")
    expect(preview.locator(".diff .add")).to_have_text("+replicaCount: 3")
    page.screenshot(path=screenshot_dir / "preview.png", full_page=True)
    page.get_by_role("button", name="Deploy exactly this change").click()
    expect(page.locator("#deploy-result")).to_contain_text("Deployed shop to dev: revision 2.")

    page.get_by_role("button", name="Roll back shop in dev to revision 1").click()
    expect(page.locator("#preview")).to_contain_text("roll back to revision 1")
    expect(page.locator("#preview .diff .remove")).to_have_text("-replicaCount: 3")
    page.get_by_role("button", name="Roll back exactly this change").click()
    expect(page.locator("#deploy-result")).to_contain_text(
        "Rolled back shop in dev to revision 1: revision 3.")
    project = provider_sim.project_at("platform/apps/shop")
    assert project.git.tip("main").message == "roll back shop in dev to revision 1: revision 3"

    page.get_by_role("link", name="Global Configuration › GitOps").click()
    page.get_by_label("Deploy through merge requests").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("GitLab is saved")
    page.get_by_role("link", name="Deployment Template").click()
    set_replicas(page, 4)
    page.get_by_role("button", name="Propose", exact=True).click()
    result = page.locator("#deploy-result")
    expect(result).to_contain_text("Proposed shop for dev: revision 4.")
    link = result.locator("a.request-link")
    [review] = project.git.reviews.find()
    expect(link).to_have_attribute(
        "href", f"{provider_sim.url}/platform/apps/shop/-/merge_requests/{review.number}")
    page.screenshot(path=screenshot_dir / "merge-request.png", full_page=True)

    # The simulator has no web pages: its merge request's page answers as GitLab's would.
    page.route(f"{provider_sim.url}/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<h1>Merge request !1</h1>"))
    link.click()
    expect(page).to_have_url(re.compile(r"/-/merge_requests/\d+$"))
    project.git.reviews.merge(review.number)  # a reviewer merges it
    page.goto(f"{live_server.url}/deployment-template")
    expect(page.locator("#history tbody tr").first.locator(".state")).to_have_text("merged")
