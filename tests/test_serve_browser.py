"""The page in a real browser: Debian's headless Chromium driven by selenium, against
`evqa serve` in a subprocess on the seeds plus one hostile article.

Skipped, with the reason, when chromium, chromedriver or selenium is missing
(`.ci/run` installs them where apt-get works). Set EVQA_SCREENSHOT=PATH to keep the
screenshot of the answer view (the README's is eval/serve-answer.png).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from evqa import config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        "no browser: install Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
pytest.importorskip("selenium", reason="selenium is missing: pip install -e '.[serve]'")
pytest.importorskip("fastapi", reason="the serve extra is missing: pip install -e '.[serve]'")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

HOSTILE_ID = "zz_hostile"
HOSTILE = (
    "Zorblax Widget Recall\n\n"
    "date 2024-05-01\n\n"
    "The Zorblax quantum widget recall covers 4,200 units sold in Norway. "
    "<script>alert(1)</script> Inspectors found a faulty capacitor "
    "<img src=x onerror=\"window.__pwned = 'img'; alert(2)\"> in every recalled widget. "
    "<script>window.__pwned = 'script'</script> Zorblax will replace them for free."
)
UNTITLED_ID = "quillfeather-ferry_9f86d081884c7d65"  # no headline: labelled from its id
UNTITLED = (
    "The Quillfeather ferry line added a third electric boat in 2024, carrying 300 passengers "
    "on each crossing of the fjord. Its batteries charge in ten minutes at each quay."
)
DOTTED = {  # ids a URL path cannot carry: "/articles/.." is "/" to a browser
    "..": "Dune Lark Survey",
    ".": "Heron Count",
}


def evqa(*args: str, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(config.PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "evqa", *args], env=env, capture_output=True, text=True, **kw
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """The seeds index, copied, plus the hostile and an untitled article, and articles whose
    ids are ".." and "." (only they get embedded)."""
    from evqa.engine import Engine

    tmp = tmp_path_factory.mktemp("browser")
    corpus = shutil.copytree(config.DEFAULTS["corpus"], tmp / "corpus")
    (corpus / f"{HOSTILE_ID}.txt").write_text(HOSTILE, encoding="utf-8")
    (corpus / f"{UNTITLED_ID}.txt").write_text(UNTITLED, encoding="utf-8")
    root = shutil.copytree(Engine.open().root, tmp / "idx", ignore=shutil.ignore_patterns(".lock"))
    r = evqa("index", "build", "--corpus", str(corpus), "--index", str(root), timeout=600)
    assert r.returncode == 0, r.stderr
    dotted = tmp / "dotted.jsonl"  # a folder corpus cannot name a file "..": JSONL can
    lines = [
        {"id": i, "title": t, "text": f"The {t} found 812 birds on the coast."}
        for i, t in DOTTED.items()
    ]
    dotted.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    r = evqa("index", "add", str(dotted), "--index", str(root), timeout=600)
    assert r.returncode == 0, r.stderr
    return root


@contextlib.contextmanager
def served(index, *args: str):
    """`evqa serve` on a free port: yields (page address, process); stops it after."""
    env = {**os.environ, "PYTHONPATH": str(config.PROJECT_ROOT)}
    cmd = [sys.executable, "-m", "evqa", "serve", "--index", str(index), "--port", "0", "--json"]
    proc = subprocess.Popen([*cmd, *args], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, "evqa serve exited before it was ready"
        yield json.loads(line)["url"], proc
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def url(index):
    with served(index) as (address, _):
        yield address


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def ask(driver, url: str, question: str) -> str:
    if not driver.current_url.startswith(url):
        driver.get(url)
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "ask").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-state") in ("answered", "not-found", "error"))  # fmt: skip
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")


def open_citation(driver, n: int) -> None:
    driver.find_element(By.CSS_SELECTOR, f"#citations .cite[data-n='{n}']").click()
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.ID, "article").get_attribute("data-state") == "open"
    )


def answer_json(driver) -> dict:
    return json.loads(driver.execute_script("return document.getElementById('json').textContent"))


def test_the_answer_span_is_highlighted(browser, url):
    assert ask(browser, url, "energy density of Jinshi battery") == "answered"
    marks = browser.find_elements(By.CSS_SELECTOR, "#answer-sentence mark.answer-span")
    assert [m.text for m in marks] == ["350 Wh/kg"]
    assert browser.find_element(By.ID, "confidence").text.startswith("confidence 0.")
    assert browser.find_element(By.CSS_SELECTOR, "#citations .cite[data-n='1']").text == "[1]"


def test_citation_1_opens_the_article_with_the_quote_highlighted_in_view(browser, url, tmp_path):
    ask(browser, url, "energy density of Jinshi battery")
    cited = answer_json(browser)["citations"][0]
    open_citation(browser, 1)
    quote = browser.find_element(By.ID, "quote")
    assert quote.text == cited["quote"] and "350 Wh/kg" in quote.text
    assert browser.find_element(By.ID, "article").get_attribute("data-doc") == cited["doc_id"]
    in_view = browser.execute_script(
        "const q = document.getElementById('quote').getBoundingClientRect();"
        "const box = document.getElementById('article-text').getBoundingClientRect();"
        "return q.top >= box.top && q.top < box.bottom && q.top >= 0 && q.top < innerHeight;"
    )
    assert in_view
    shot = os.environ.get("EVQA_SCREENSHOT") or str(tmp_path / "answer.png")
    assert browser.save_screenshot(shot)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_unanswerable_question_says_not_found_and_shows_related_passages(browser, url):
    assert ask(browser, url, "What is the capital of France?") == "not-found"
    assert "Not found" in browser.find_element(By.ID, "not-found").text
    assert browser.find_element(By.ID, "passages-heading").text == "Related passages"
    assert browser.find_elements(By.CSS_SELECTOR, "#passages li")
    assert not browser.find_elements(By.CSS_SELECTOR, "mark.answer-span")


def test_recent_questions_and_copy_json(browser, url):
    ask(browser, url, "energy density of Jinshi battery")
    recent = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#recent li")]
    assert recent[:2] == ["energy density of Jinshi battery", "What is the capital of France?"]
    browser.find_element(By.ID, "copy-json").click()
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "copied").is_displayed())
    browser.find_element(By.CSS_SELECTOR, "#recent li button").click()  # asks it again
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "answered"
    )


def test_hostile_article_text_is_shown_as_text_and_never_runs(browser, url):
    ask(browser, url, "How many Zorblax quantum widgets were recalled?")
    answer = answer_json(browser)
    assert any(c["doc_id"] == HOSTILE_ID for c in answer["citations"]) or any(
        p["doc_id"] == HOSTILE_ID for p in answer["passages"]
    )
    shown = browser.find_element(By.ID, "result").text
    assert "<script>alert(1)</script>" in shown or "<img src=x" in shown
    browser.find_element(
        By.XPATH, "//ol[@id='passages']//button[starts-with(., 'Zorblax')]"
    ).click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "article").get_attribute("data-doc") == HOSTILE_ID
    )
    text = browser.find_element(By.ID, "article-text").text
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=" in text
    assert_nothing_ran(browser)


def assert_nothing_ran(browser) -> None:
    try:
        alert = browser.switch_to.alert
        pytest.fail(f"an alert was raised: {alert.text!r}")
    except NoAlertPresentException:
        pass
    assert browser.execute_script("return window.__pwned === undefined")
    injected = browser.execute_script(
        "return document.querySelectorAll('main script, main img, main [onerror]').length"
    )
    assert injected == 0


def test_the_page_logs_no_errors(browser, url):
    """Nothing blocked by the Content Security Policy, no failed request, no JS error."""
    browser.get(url)
    ask(browser, url, "energy density of Jinshi battery")
    open_citation(browser, 1)
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_a_narrow_screen_stacks_the_columns_without_sideways_scrolling(browser, url):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 400, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        browser.get(url)
        ask(browser, url, "energy density of Jinshi battery")
        open_citation(browser, 1)
        layout = browser.execute_script(
            "const main = document.querySelector('main .column').getBoundingClientRect();"
            "const side = document.querySelector('aside').getBoundingClientRect();"
            "const doc = document.documentElement;"
            "return {width: innerWidth, scroll: doc.scrollWidth, client: doc.clientWidth,"
            " mainWidth: main.width, mainBottom: main.bottom, sideTop: side.top,"
            " sideWidth: side.width};"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert layout["width"] == 400
    assert layout["scroll"] <= layout["client"], layout  # no sideways scrolling
    assert layout["sideTop"] >= layout["mainBottom"], layout  # the article is below
    assert layout["mainWidth"] > 300 and layout["sideWidth"] > 300, layout


def test_a_question_without_content_says_why_and_shows_no_empty_heading(browser, url):
    assert ask(browser, url, "what is the") == "not-found"
    reason = browser.find_element(By.ID, "reason")
    assert reason.is_displayed() and "only function words" in reason.text
    given = answer_json(browser)["reason"]  # capitalised, with a full stop, as the CLI says it
    assert reason.text == given[0].upper() + given[1:] + "."
    assert not browser.find_element(By.ID, "passages-heading").is_displayed()
    assert not browser.find_element(By.ID, "citations-heading").is_displayed()
    assert ask(browser, url, "energy density of Jinshi battery") == "answered"
    assert not browser.find_element(By.ID, "reason").is_displayed()


ABSTAINED = {
    "question": "How much does the BYD Yangwang U7 cost?",
    "answer": None,
    "answer_sentence": None,
    "answer_offsets": None,
    "confidence": 0.2187,
    "abstained": True,
    "reason": None,
    "best_guess": {
        "answer": "1.5-2 billion yuan",
        "doc_id": "byd-u7",
        "title": "<b>BYD</b> unveils the Yangwang U7",
        "title_derived": False,
    },
    "figures": [],
    "citations": [],
    "passages": [
        {
            "rank": 1,
            "doc_id": "byd-u7",
            "chunk_id": "byd-u7#0",
            "title": "T",
            "date": None,
            "title_derived": False,
            "text": "x",
            "score": 0.4,
            "start": 0,
            "end": 1,
        },
    ],
}


def shown_answer(browser, answer: dict) -> dict:
    """What the page shows for ``answer`` (the /ask body): the answer box's texts."""
    return browser.execute_script(
        "showAnswer(arguments[0]);"
        "const text = (id) => document.getElementById(id).hidden ? null"
        " : document.getElementById(id).textContent;"
        "return {notFound: text('not-found'), reason: text('reason'),"
        " guess: text('best-guess'), confidence: text('confidence'),"
        " injected: document.querySelectorAll('#best-guess b').length};",
        answer,
    )


def test_an_unsure_answer_shows_the_best_guess_as_the_cli_does(browser, url):
    browser.get(url)
    shown = shown_answer(browser, ABSTAINED)
    assert shown["notFound"] == "Not found in the articles."
    assert shown["reason"] == (
        "No answer found with enough confidence; the closest passages are listed below."
    )
    assert shown["guess"] == (
        "Best guess: 1.5-2 billion yuan (confidence 0.22), from <b>BYD</b> unveils the Yangwang U7"
    )
    assert shown["confidence"] is None and shown["injected"] == 0  # the title stays text
    guess = {**ABSTAINED["best_guess"], "title": None}
    untitled = {**ABSTAINED, "passages": [], "best_guess": guess}
    shown = shown_answer(browser, untitled)
    assert shown["reason"] == "No answer found with enough confidence."
    assert shown["guess"].endswith("(confidence 0.22), from byd-u7")
    no_span = {**ABSTAINED, "best_guess": None}
    shown = shown_answer(browser, no_span)
    assert shown["guess"] is None and shown["confidence"] == "confidence 0.22"
    assert shown["reason"] == (
        "The reader found no answer in the passages it read; the closest passages are listed below."
    )


def test_the_best_guess_names_its_article_and_opens_it(browser, url):
    """On the real server: a real article behind the best guess's title."""
    browser.get(url)
    doc = json.loads(browser.execute_script(
        "const r = await fetch('/search', {method: 'POST', headers: {'Content-Type':"
        " 'application/json'}, body: JSON.stringify({query: 'Jinshi battery', k: 1})});"
        "return JSON.stringify((await r.json()).passages[0]);"))  # fmt: skip
    guess = {"answer": "350 Wh/kg", "doc_id": doc["doc_id"], "title": doc["title"],
             "title_derived": doc["title_derived"]}  # fmt: skip
    shown_answer(browser, {**ABSTAINED, "best_guess": guess})
    browser.find_element(By.CSS_SELECTOR, "#best-guess button").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "article").get_attribute("data-doc") == doc["doc_id"]
    )


def test_a_passage_without_a_date_shows_only_its_score(browser, url):
    browser.get(url)
    meta = browser.execute_script(
        "showPassages({abstained: false, passages: [{doc_id: 'd', title: 'T', date: null,"
        " score: 0.3914, start: 0, end: 1, text: 'x'}]});"
        "return document.querySelector('#passages .muted').textContent;"
    )
    assert meta == "score 0.391"


def test_a_question_of_only_spaces_says_so(browser, url):
    browser.get(url)
    browser.find_element(By.ID, "question").send_keys("   ")
    browser.find_element(By.ID, "ask").click()
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "error").is_displayed())
    assert browser.find_element(By.ID, "error").text == "Type a question first."


def test_a_question_with_no_words_gets_an_example_but_no_command_line(browser, url):
    """The server's 400 told web users to run `evqa ask "..."`."""
    assert ask(browser, url, "???") == "error"
    error = browser.find_element(By.ID, "error").text
    assert error == (
        "the question has no words, only punctuation or symbols; ask something, "
        'e.g. "When did the plant open?"'
    )


def test_the_placeholder_counts_the_served_articles_and_names_none(browser, url, index):
    """It said "e.g. energy density of Jinshi battery" whatever index was served."""
    from evqa.engine import Engine

    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: health_state(d) == "ok")
    n = len(Engine.open(index).articles)
    hint = browser.find_element(By.ID, "question").get_attribute("placeholder")
    assert hint == f"Ask a question about the {n} indexed articles"


def test_a_token_with_reserved_characters_works_and_a_stopped_server_is_reported(browser, index):
    secret = "a&b %c+d=e%zz"
    with served(index, "--token", secret) as (address, proc):
        assert "#token=" in address and " " not in address
        base = address.split("#")[0]
        browser.get(address)
        WebDriverWait(browser, 30).until(
            lambda d: "articles" in d.find_element(By.ID, "health").text
        )  # /health accepted the token
        assert browser.execute_script("return sessionStorage.getItem('evqa.token')") == secret
        assert ask(browser, base, "energy density of Jinshi battery") == "answered"
        proc.terminate()
        proc.wait(10)
        assert ask(browser, base, "What is the capital of France?") == "error"
    error = browser.find_element(By.ID, "error").text
    assert error == (
        f"cannot reach the evqa server at {base.rstrip('/')}; is `evqa serve` still running?"
    )
    assert not browser.find_element(By.ID, "result").is_displayed()  # no stale answer
    health = browser.find_element(By.ID, "health")
    assert health.text == "server unreachable" and health.get_attribute("data-state") == "down"
    browser.get_log("browser")  # the refused connections are expected; leave no SEVERE behind


def test_opening_a_token_address_in_a_tab_already_on_the_page_checks_again(browser, index):
    """The tab is on / without the token (health: 401); the #token= address that evqa
    serve prints, opened in the same tab, changes only the hash: no reload."""
    with served(index, "--token", "s3cret") as (address, _):
        base = address.split("#")[0]
        browser.get(base)
        health = browser.find_element(By.ID, "health")
        WebDriverWait(browser, 30).until(lambda d: health.get_attribute("data-state") == "error")
        assert "Authorization: Bearer" in health.text
        browser.execute_script("window.__same_page = true")
        browser.get(address)
        WebDriverWait(browser, 30).until(lambda d: health.get_attribute("data-state") == "ok")
        assert "articles" in health.text
        assert browser.execute_script("return window.__same_page === true")  # not reloaded
        assert browser.execute_script("return location.hash") == ""  # the token left the bar
        browser.get_log("browser")  # the 401 before the token is expected


def test_an_untitled_article_is_headed_with_the_label_its_passages_show(browser, url):
    ask(browser, url, "How many passengers does the Quillfeather ferry carry?")
    passage = next(p for p in answer_json(browser)["passages"] if p["doc_id"] == UNTITLED_ID)
    assert passage["title"] == "quillfeather ferry" and passage["title_derived"]
    browser.find_element(By.XPATH, "//ol[@id='passages']//button[. = 'quillfeather ferry']").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "article").get_attribute("data-doc") == UNTITLED_ID
    )
    assert browser.find_element(By.ID, "article-title").text == "quillfeather ferry"
    assert UNTITLED_ID in browser.find_element(By.ID, "article-meta").text  # the id, beside


def article_state(driver) -> str:
    return driver.find_element(By.ID, "article").get_attribute("data-state")


def open_article(browser, doc_id: str) -> str:
    """openArticle(doc_id), as a click on a citation or passage calls it: the box's state."""
    browser.execute_script("openArticle(arguments[0])", doc_id)  # "loading" from here
    WebDriverWait(browser, 30).until(lambda d: article_state(d) in ("open", "error"))
    return article_state(browser)


@pytest.mark.parametrize("doc_id", DOTTED)
def test_an_article_whose_id_is_a_dot_segment_opens(browser, url, doc_id):
    browser.get(url)
    assert open_article(browser, doc_id) == "open"
    assert browser.find_element(By.ID, "article").get_attribute("data-doc") == doc_id
    assert browser.find_element(By.ID, "article-title").text == DOTTED[doc_id]
    assert not browser.find_element(By.ID, "error").is_displayed()


def test_an_article_that_opens_clears_the_error_of_one_that_did_not(browser, url):
    browser.get(url)
    assert open_article(browser, "no-such-article") == "error"
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and error.text == GONE
    assert open_article(browser, "..") == "open"
    assert not error.is_displayed()
    browser.get_log("browser")  # the 404 is expected; leave no SEVERE behind


def test_an_answer_that_is_not_json_is_an_error_that_says_so(browser, url):
    """The page itself (HTML) where the API's JSON was expected: once the answer to
    /articles/.., which the browser had resolved to /."""
    browser.get(url)
    message = browser.execute_script(
        "return api('GET', '/').then(() => 'no error', (e) => e.message);"
    )
    assert message == "the server's answer to / is not JSON (HTTP 200, text/html)"


GONE = "this article is no longer in the index (it changed since this answer); ask again"


def test_an_article_gone_from_the_index_says_so_and_hides_the_one_open_before(browser, url):
    """A citation of an article removed since the answer: no API jargon, and the article
    opened before is not left on screen as if it were this one."""
    browser.get(url)
    assert open_article(browser, "..") == "open"
    assert open_article(browser, "zoo") == "error"
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and error.text == GONE
    article = browser.find_element(By.ID, "article")
    assert not article.is_displayed() and article.get_attribute("data-doc") is None
    browser.get_log("browser")  # the 404 is expected; leave no SEVERE behind


def health_state(driver) -> str:
    return driver.find_element(By.ID, "health").get_attribute("data-state")


def test_the_header_is_checked_again_after_each_answer(browser, url):
    """The index may have been rebuilt, or gone and come back, since the page last asked
    /health: an answer refreshes the header, whatever it said before."""
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: health_state(d) == "ok")
    browser.execute_script(
        "const h = document.getElementById('health');"
        "h.textContent = 'stale'; h.dataset.state = 'error';"
    )
    assert ask(browser, url, "energy density of Jinshi battery") == "answered"
    WebDriverWait(browser, 10).until(lambda d: health_state(d) == "ok")
    assert "articles" in browser.find_element(By.ID, "health").text


def test_a_wrong_token_is_forgotten_and_said_to_be_wrong(browser, index):
    with served(index, "--token", "s3cret") as (address, _):
        base = address.split("#")[0]
        browser.get(base + "#token=wrong")
        WebDriverWait(browser, 30).until(lambda d: health_state(d) == "error")
        health = browser.find_element(By.ID, "health").text
        assert "does not match" in health and "forgot it" in health
        assert browser.execute_script("return sessionStorage.getItem('evqa.token')") is None
        assert ask(browser, base, "energy density of Jinshi battery") == "error"
        error = browser.find_element(By.ID, "error").text
        assert error == "this server requires its token: send the header 'Authorization: " + (
            "Bearer TOKEN' (the page takes it from the address printed by evqa serve)"
        )
        browser.get_log("browser")  # the 401s are expected


def test_a_citation_scrolls_only_the_article_pane_never_the_page(browser, url):
    """The answer being read stays where it is; the quote is centred in the pane."""
    ask(browser, url, "energy density of Jinshi battery")
    browser.execute_script("document.body.style.paddingBottom = '3000px'; scrollTo(0, 300)")
    try:
        before = browser.execute_script("return scrollY")
        open_citation(browser, 1)
        after = browser.execute_script("return scrollY")
        centred = browser.execute_script(
            "const q = document.getElementById('quote').getBoundingClientRect();"
            "const box = document.getElementById('article-text').getBoundingClientRect();"
            "return q.top >= box.top && q.bottom <= box.bottom;"
        )
    finally:
        browser.execute_script("document.body.style.paddingBottom = ''")
    assert before == 300 and after == before
    assert centred


LONG_TITLE = "Battery " * 44 + "end"  # 355 characters


def test_long_titles_are_shortened_in_the_lists_with_the_full_title_as_a_tooltip(browser, url):
    browser.get(url)
    shown = browser.execute_script(
        "const t = arguments[0];"
        "showCitations({citations: [{n: 1, doc_id: 'd', title: t, date: null, quote: 'q',"
        " start: 0, end: 1}]});"
        "showPassages({abstained: false, passages: [{doc_id: 'd', title: t, date: null,"
        " score: 0.3, start: 0, end: 1, text: 'x'}]});"
        "const c = document.querySelector('#citations .title');"
        "const p = document.querySelector('#passages .title');"
        "return [c.textContent, c.title, p.textContent, p.title];",
        LONG_TITLE,
    )
    for text, tooltip in (shown[:2], shown[2:]):
        assert len(text) <= 120 and text.endswith("…") and LONG_TITLE.startswith(text[:-1])
        assert tooltip == LONG_TITLE
