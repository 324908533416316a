"""Every account page passes axe-core with no serious or critical violations."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "anonymous"),
    ("/accounts/login/", "anonymous"),
    ("/accounts/signup/", "anonymous"),
    ("/accounts/3rdparty/login/cancelled/", "anonymous"),
    ("/profile/", "listener"),
    ("/profile/delete/", "listener"),
    ("/accounts/password/change/", "listener"),
    ("/accounts/3rdparty/", "listener"),
    ("/profile/upgrade/", "guest"),
]


@pytest.mark.parametrize(("path", "persona"), PAGES)
def test_page_has_no_serious_accessibility_violations(page, sign_in, axe, spotify, request, path, persona):
    if persona != "anonymous":
        sign_in(request.getfixturevalue(persona))

    response = page.goto(path)

    assert response.ok and page.url.endswith(path), f"{path} as {persona} landed on {page.url}"
    violations = axe()
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['targets']}" for v in violations)
