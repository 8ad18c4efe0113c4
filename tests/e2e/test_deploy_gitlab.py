"""Journey: with GitLab active (simulator), create an application, deploy it from the
Deployment Template page, then deploy a chart and see it in the Charts history."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field
from tests.fakes import gitlab as fake


def activate_gitlab(page: Page, live_server, simulator) -> None:
    page.goto(f"{live_server.url}/settings/gitops/gitlab")
    field(page, "GitLab host").fill(simulator.url)
    field(page, "GitLab group id").fill("platform/apps")
    field(page, "GitLab username").fill("jane.doe")
    field(page, "GitLab personal access token").fill(fake.GOOD_TOKEN)
    page.get_by_role("button", name="Save").click()
    expect(page.locator('.tab[data-kind="gitlab"] .tick')).to_be_visible()


@pytest.mark.parametrize("provider_sim", ["gitlab"], indirect=True)
def test_deploy_an_application_and_a_chart_through_gitlab(live_server, provider_sim,
                                                          page: Page, screenshot_dir):
    activate_gitlab(page, live_server, provider_sim)
    page.get_by_role("link", name="Deployment Template").click()
    field(page, "Application name").fill("shop")
    field(page, "Environments").fill("dev, prod")
    page.get_by_role("button", name="Create application").click()
    expect(page.locator("#applications")).to_contain_text("Not deployed yet")

    values = field(page, "Values (YAML)")
    values.fill(values.input_value().replace("replicaCount: 1", "replicaCount: 2"))
    page.get_by_role("button", name="Deploy").click()

    result = page.locator("#deploy-result")
    expect(result).to_contain_text("Deployed shop to dev: revision 1.")
    sha = provider_sim.project_at("platform/apps/shop").git.tip("main").sha
    expect(result.locator("a.sha")).to_have_text(sha[:12])
    expect(result.locator("a.sha")).to_have_attribute("href", f"{provider_sim.url}/platform/apps/"
                                                              f"shop/-/commit/{sha}")
    application = result.locator(".manifest:not(.repository-secret)")
    expect(application).to_contain_text("kind: Application")
    expect(application).to_contain_text("../envs/dev/values.yaml")
    expect(result.locator(".repository-secret")).to_contain_text(
        "argocd.argoproj.io/secret-type: repository")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#applications")).to_contain_text("Repository shop on GitLab")
    page.screenshot(path=screenshot_dir / "deployment-template.png", full_page=True)

    page.get_by_role("link", name="Charts").click()
    field(page, "Chart repository URL").fill("https://charts.bitnami.com/bitnami")
    field(page, "Chart name").fill("redis")
    field(page, "Version").fill("19.6.4")
    page.get_by_label("Application and environment").select_option("shop/prod")
    field(page, "Values (YAML)").fill("architecture: standalone\n")
    page.get_by_role("button", name="Deploy").click()

    expect(page.locator("#deploy-result")).to_contain_text("Deployed shop to prod: revision 1.")
    row = page.locator("#history tbody tr").first
    expect(row).to_contain_text("shop")
    expect(row).to_contain_text("prod")
    expect(row).to_contain_text("redis 19.6.4")
    page.screenshot(path=screenshot_dir / "charts.png", full_page=True)
