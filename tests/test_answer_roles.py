import pytest

from evqa.answer.roles import role_question


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("Kestrel Grid chief executive", "Who is Kestrel Grid chief executive?"),
        ("Corvane Airways chair", "Who is Corvane Airways chair?"),
        ("Meridane chief medical officer", "Who is Meridane chief medical officer?"),
        ("Skerrymore Bank project director", "Who is Skerrymore Bank project director?"),
        ("Aceites Campiña Alta president", "Who is Aceites Campiña Alta president?"),
        ("Voltaris chief strategist", "Who is Voltaris chief strategist?"),  # after "chief"
        ("Nio co-founder.", "Who is Nio co-founder?"),
        ("  Acme Founder ", "Who is Acme Founder?"),
    ],
)
def test_a_keyword_query_about_a_role_is_read_as_a_question(query, read):
    assert role_question(query) == read


@pytest.mark.parametrize(
    "query",
    [
        "Who is the chief executive of Nio?",  # a question already
        "Kestrel Grid chief executive?",  # asked as one
        "Name the Kestrel Grid chief executive",
        "is Nio's chairman new",
        "Kestrel Grid chief executive pay",  # about something else than the person
        "Kestrel Grid battery capacity",
        "chairman",  # nothing to ask about but the role
        "",
    ],
)
def test_anything_else_is_read_as_it_is(query):
    assert role_question(query) is query
