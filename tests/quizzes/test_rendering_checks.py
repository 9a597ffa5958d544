"""```gift fences render as numbered knowledge-check placeholders, not as code."""

from bs4 import BeautifulSoup

from courses.rendering import KNOWLEDGE_CHECK_RE, render_markdown
from quizzes.importing import gift_fences

SOURCE = """\
Intro.

```gift
::One:: Q? {T}
```

- A list item

    ~~~gift
    ::Two:: Q? {F}
    ~~~

```python
print("code stays code")
```
"""


def test_gift_fences_become_numbered_placeholders():
    rendered = render_markdown(SOURCE)
    soup = BeautifulSoup(rendered.html, "html.parser")

    placeholders = soup.select("div.knowledge-check")
    assert [p["data-check"] for p in placeholders] == ["1", "2"]
    assert all(not p.contents for p in placeholders)
    assert [int(m) for m in KNOWLEDGE_CHECK_RE.findall(rendered.html)] == [1, 2]
    assert "{T}" not in rendered.html and "::One::" not in rendered.text
    assert soup.select_one("div.highlight pre") is not None  # other fences are still code


def test_numbering_restarts_for_each_lesson_and_matches_the_importer():
    render_markdown(SOURCE)
    again = render_markdown(SOURCE)

    assert KNOWLEDGE_CHECK_RE.findall(again.html) == ["1", "2"]
    assert [text.strip() for _, text in gift_fences(SOURCE)] == ["::One:: Q? {T}", "::Two:: Q? {F}"]


def test_authors_cannot_smuggle_attributes_onto_a_placeholder():
    html = render_markdown(
        '<div class="knowledge-check" data-check="1" onclick="x()" id="y">hi</div>'
    ).html

    assert "onclick" not in html and 'id="y"' not in html
    assert KNOWLEDGE_CHECK_RE.search(html) is None  # not empty: not a placeholder


def test_a_gift_fence_with_arguments_is_counted_and_placed_like_any_other():
    source = (
        'Before.\n\n```gift title="Warm-up" {.check}\n::A:: Sky? {=blue ~green}\n```\n\n'
        "Between.\n\n```gift\n::B:: Sea? {T}\n```\n"
    )

    rendered = render_markdown(source)

    assert KNOWLEDGE_CHECK_RE.findall(rendered.html) == ["1", "2"]
    assert [text.strip() for _, text in gift_fences(source)] == [
        "::A:: Sky? {=blue ~green}",
        "::B:: Sea? {T}",
    ]
    # The answers stay out of the page: nothing of the fences is shown as code.
    assert "=blue" not in rendered.html and "<pre" not in rendered.html
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert [p.get_text() for p in soup.find_all("p")] == ["Before.", "Between."]
