"""GitHub-flavoured Markdown in a lesson: alerts, task lists, footnotes, tables, code with a
file name, folding admonitions. Checked with axe in light and dark, at desktop and phone width."""

import os

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

FEATURES = """\
# Chapter

## Everything at once

> [!NOTE]
> Alerts look like admonitions.

> [!CAUTION]
> Deleting a bucket deletes its objects.

Steps, right after a line of text:
- [x] create the VPC
- [ ] add subnets
  - public
  - private

| Service | Kind | Price |
|:--|:-:|--:|
| EC2 | compute | $$ |

```python title="app.py"
print("hello")
```

??? tip "Show the answer"
    It was ~~always~~ DNS.[^1]

A :rocket: launch.

[^1]: Mostly.
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_gfm_features_render_and_pass_axe(
    page: Page, live_server, transactional_db, tmp_path, axe, scheme
):
    from courses.services import course_import
    from tests.factories import UserFactory

    course = tmp_path / "features"
    course.mkdir()
    (course / "course.toml").write_text('title = "Features"\n')
    (course / "notes.md").write_text(FEATURES)
    course_import(course_dir=course)
    reader = UserFactory(email=f"features-{scheme}@example.com")

    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server, reader.email)
    page.goto(f"{live_server.url}/courses/features/chapter/everything-at-once/")

    body = page.locator(".prose")
    expect(body.locator(".markdown-alert-note")).to_contain_text("Alerts look like admonitions.")
    expect(body.get_by_role("checkbox")).to_have_count(2)
    expect(body.get_by_role("checkbox").first).to_be_checked()
    expect(body.get_by_role("checkbox").first).to_be_disabled()
    expect(body.locator("li li")).to_have_count(2)  # public / private under "add subnets"
    expect(body.locator("td[align=right]")).to_have_text("$$")
    expect(body.locator(".highlight .filename")).to_have_text("app.py")
    expect(body.locator("details summary")).to_have_text("Show the answer")
    body.locator("details summary").click()
    expect(body.locator("details del")).to_have_text("always")
    expect(body.locator(".footnotes")).to_contain_text("Mostly.")
    expect(body).to_contain_text("\U0001f680 launch")
    axe(page)
    if os.environ.get("LECTERN_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['LECTERN_SCREENSHOTS']}/features-{scheme}.png")
    page.set_viewport_size({"width": 390, "height": 844})
    axe(page)
