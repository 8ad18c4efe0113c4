"""Journey: submit an empty form and see what to fix next to each field."""

from playwright.sync_api import Page, expect


def test_an_empty_form_shows_an_error_next_to_each_required_field(live_server, page: Page,
                                                                  screenshot_dir):
    page.goto(f"{live_server.url}/settings/gitops/azure_devops")
    page.evaluate("window.sameDocument = true")

    page.get_by_role("button", name="Save").click()

    for label, field in [("Azure DevOps organization URL", "organization_url"),
                         ("Azure DevOps project name", "project"),
                         ("Azure DevOps username", "username"),
                         ("Azure DevOps access token", "token")]:
        expect(page.locator(f"#{field}-error")).to_have_text(f"Enter the {label}.")
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator(".tick")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "settings-errors.png", full_page=True)
