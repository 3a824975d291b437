"""Turn raw article text (plain, Markdown or HTML) into clean text worth indexing.

Web pages carry boilerplate around the article: "Loading..." placeholders, teaser
links ("See Also: ...", "Read Next: ..."), image credits, newsletter and app
prompts, copyright footers. These are dropped by a readable list of compiled
rules (``LINE_RULES``), most of them matching a whole line, so a real sentence
that merely mentions e.g. "comments" is kept.

Whitespace is normalised conservatively: runs of spaces inside a line collapse to
one space, lines are stripped, a single newline stays a newline and any run of
blank lines becomes one paragraph break ("\\n\\n").

HTML goes through trafilatura (main-content extraction plus title/date/url); if it
finds nothing, a small stdlib ``html.parser`` fallback keeps the visible text. Both
read the page without its site header, navigation, footers, buttons and cookie/consent
banners, the cookie, newsletter and promo prompts the article holds and the kicker over its
headline ("ENERGY STORAGE"), so a page that is only boilerplate (or only its site's name)
gives no text; the extracted lines are kept in the order the page shows them. A table of
figures comes out as one line a row, each value with its column's header ("Model A — Energy
density: 350 Wh/kg; Cycle life: 4,000."), as does a Markdown pipe table; a table that lays
out the page is read as the text it holds, and a table of links (a menu) is navigation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from html.parser import HTMLParser
from itertools import groupby, zip_longest

__all__ = [
    "INLINE_RULES",
    "LINE_RULES",
    "MAX_BOILERPLATE_CHARS",
    "HtmlDoc",
    "Rule",
    "boilerplate_rule",
    "clean_text",
    "extract_html",
    "join_lines",
    "markdown_constructs",
    "normalize_chars",
    "page_lines_before",
    "strip_markdown",
]


@dataclass(frozen=True)
class Rule:
    """A named boilerplate pattern. ``needles`` is a cheap pre-check for patterns that
    do not start with a fixed word: one of these lower-case substrings must occur."""

    name: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] = ()

    def matches(self, line: str, lowered: str) -> bool:
        if self.needles and not any(n in lowered for n in self.needles):
            return False
        return self.pattern.fullmatch(line) is not None


def _rule(name: str, pattern: str, flags: int = re.IGNORECASE, needles: tuple = ()) -> Rule:
    return Rule(name, re.compile(pattern, flags), needles)


# a footer's links and labels, and an address one gives ("news@example.com", a phone number)
_FOOTER_LINK = (
    r"(?:contact us|email us|buyer service|seller service|customer service|advertise with us|"
    r"about us|privacy policy|terms of (?:use|service)|cookie (?:policy|settings))"
)
_ADDRESS = r"(?:\S+@\S+|\+?\d[\d ()./-]{5,}|(?:https?://|www\.)\S+)"

# share buttons: "Share on X", "Facebook", "Email this article", "Copy link", "Tweet"
_SHARE_SITE = (
    r"(?:facebook|x|twitter|linkedin|whatsapp|reddit|pinterest|telegram|messenger|threads|"
    r"bluesky|flipboard|tumblr|e-?mail|mail|sms|print)"
)
_SHARE_ACTION = (
    rf"(?:share(?: this(?: article| story| post| page)?)?(?: (?:on|via|to) {_SHARE_SITE})?|"
    r"tweet(?: this)?|(?:e-?mail|print) this(?: article| story| post| page)?|"
    r"copy(?: the)? (?:link|url)|link copied)"
)
_SHARE_LABEL = rf"(?:{_SHARE_ACTION}|{_SHARE_SITE})"
_SHARE_SEP = r"(?:\s*[|•·/,]\s*|\s+)"

# image captions and the credits that close them: "(AP Photo/John Carr)", "(Reuters/Jane
# Doe)", "(Photo: Jane Doe/AFP)", "(AFP via Getty Images)"; an agency and a slash need a
# name of two words ("(Reuters/Ipsos)" is a poll)
_PHOTO_WORD = r"(?:photo(?:graph)?|image|picture|pic)s?"
_CREDIT = (
    rf"\((?:[^()]{{0,40}}\b{_PHOTO_WORD}\s*(?:/|:|\bby\b)[^()]{{1,80}}|"
    r"[^()]{0,60}\b(?:getty images|shutterstock|alamy|istock(?:photo)?)|"
    r"(?:ap|afp|reuters|epa(?:-efe)?|anadolu|xinhua|dpa|ansa|kyodo|yonhap)\s*/\s*"
    r"(?-i:[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+)+))\)"
)

# Boilerplate lines are short: longer lines are body text and skip the rules.
MAX_BOILERPLATE_CHARS = 500
MAX_CAPTION_CHARS = 300


# Removed wherever they occur, even mid-line (" date 2023-12-28 Loading... Loading...").
INLINE_RULES: tuple[Rule, ...] = (_rule("loading placeholder", r"\bLoading\s*(?:\.\.\.|…)", 0),)

# A stripped line that fully matches one of these is dropped.
LINE_RULES: tuple[Rule, ...] = (
    # teaser links to other stories: "See Also: ...", "Read Next: ...", "LATEST | ...": a
    # label and a headline or a link; a sentence going on in lower case after the label
    # ("Related: the mayor resigned ...") is the article's own
    _rule(
        "teaser",
        r"(?:see also|read next|read more|also read|related(?: articles?| stories)?|"
        r"recommended(?: reading)?|trending(?: now)?|latest(?: news)?|more from [\w .]{1,40}|"
        r"don'?t miss|must read|up next|what to read next)\s*[:|>»\-–—]"
        r"(?:\s*|\s*(?-i:[^\sa-z]|https?://|www\.).*)",
    ),
    # image credits: "Image by X via Shutterstock", "Image Via Shutterstock", "Photo: Reuters"
    _rule(
        "image credit",
        r"(?:featured |header |top |lead )?(?:image|photo|picture|pic|illustration)s?"
        r"(?:\s+(?:by|via|courtesy(?: of)?|credit|source)\b|\s*:)[^.!?]{0,80}",
    ),
    # captions: "Photo: Smoke rises over the ridge. (AP Photo/John Carr)", "Caption: ...",
    # or a line closed by a credit ("Smoke rises over the ridge. (Reuters/Jane Doe)")
    _rule(
        "image caption",
        rf"(?:{_PHOTO_WORD}|pictured|caption)\s*:\s*\S.{{0,{MAX_CAPTION_CHARS}}}|"
        rf".{{0,{MAX_CAPTION_CHARS}}}{_CREDIT}\.?",
        needles=(
            "photo",
            "image",
            "picture",
            "pic",
            "caption",
            "getty",
            "shutterstock",
            "alamy",
            "istock",
            "/",
        ),
    ),
    _rule(
        "photo credit",
        r".{0,120}\b(?:photo|image|picture)\s+(?:credit|source)\s*:.{0,120}",
        needles=("credit", "source"),
    ),
    _rule(
        "agency credit",
        r".{0,60}\bvia (?:shutterstock|getty images|unsplash|pexels)\.?",
        needles=("via ",),
    ),
    # machine-written / editorial notes: "Engineered by Benzinga Neuro, Edited by ..." (not
    # "Engineered by a team of 40 students at Delft, the car ...")
    _rule("generated-by note", r"engineered by (?:[^,.]{1,40},? edited by|benzinga neuro)\b.*"),
    _rule("generator blurb", r".{0,40}\bcontent generation system\b.*", needles=("generation",)),
    # data/market footers: "Market News and Data brought to you by Benzinga APIs": a sponsor's
    # name closes the line (not "... brought to you by 200 volunteers from the town.")
    _rule(
        "brought to you by",
        r".{0,80}\bbrought to you by(?-i:(?:\s+(?:[A-Z][\w&.'’-]*|&|and|of|the)){1,8})\.?",
        needles=("brought",),
    ),
    # comment widgets and taxonomy lines
    _rule(
        "comments",
        r"(?:\d+\s+)?(?:comments?|leave a (?:comment|reply)|show comments|add a comment|"
        r"join the conversation|be the first to comment)\.?",
    ),
    _rule("taxonomy", r"(?:posted in|filed under|tags?|categories|topics|keywords)\s*:.*"),
    # marketing and sign-up prompts: "Benzinga simplifies...", "Trade confidently...", "Join Now"
    _rule("tagline", r"[\w.&' -]{1,40} simplifies the \w+ for .{0,80}", needles=("simplifies",)),
    _rule("trade prompt", r"trade confidently\b.*"),
    # ("Sign up rates for the new pension plan rose ..." is a sentence: a prompt goes on, if
    # at all, after a mark or with words like "for", "to", "now")
    _rule(
        "sign-up prompt",
        r"(?:join now|sign up|subscribe(?: now| today| to [\w ]{1,40})?|register now|"
        r"get the app|download (?:the|our) app|follow us(?: on [\w ,]{1,40})?|"
        r"newsletter sign-?up|click here to subscribe)"
        r"(?:\s*[.!:|»›>–—-].{0,60}|\s+(?:for|to|now|today|here|free|and|with|via|on|at)\b.{0,60})?",
    ),
    # paywall prompts: "Continue reading with a subscription", "Subscribe to continue
    # reading", "Already a subscriber? Log in" (not "Already a subscriber to the paper, he ...")
    _rule(
        "paywall prompt",
        r"(?:continue reading with (?:an? )?(?:subscription|account|free trial)|"
        r"(?:subscribe|sign up|sign in|log ?in|register)(?: now| today)? to (?:continue|keep) "
        r"reading(?: (?:this|the) (?:article|story))?|"
        r"(?:subscribe|sign up|sign in|log ?in|register)(?: now| today)? to (?:read|unlock|"
        r"access) (?:the (?:full|whole|rest of the) |this )(?:article|story)|"
        r"this (?:article|story|content) is (?:only )?(?:for|available to) subscribers(?: only)?|"
        r"already (?:a (?:subscriber|member)|have an account|registered)\s*\?"
        r"(?:\s*(?:log ?in|sign in)(?: here)?)?)\s*[.!]?",
        needles=("subscri", "reading", "already", "log", "sign", "register"),
    ),
    # ad slots telling the reader to go on: "Story continues below advertisement",
    # "Article continues below", "Advertisement - scroll to continue (with content)"
    _rule(
        "ad continuation",
        r"(?:(?:the )?(?:story|article|content|text) continues (?:below|after)"
        r"(?: (?:this |the )?(?:advertisement|advert|ad))?|"
        r"continue reading (?:below|after (?:the |this )?(?:advertisement|advert|ad))|"
        r"advertisement\s*[-–—:|]?\s*(?:scroll(?: down)? to continue|continue reading)"
        r"(?: (?:with|reading) (?:the )?(?:content|article|story))?)\s*[.!]?",
        needles=("continue",),
    ),
    # app prompts: 'Please click the "..." button Select "browser" to open', "Open at APP"
    _rule("app prompt", r"please (?:click|tap) the\b.{0,40}\bbutton.{0,80}"),
    _rule(
        "open in app",
        r"(?:open|read|view|continue) (?:at|in|on|with) (?:the )?(?:app|browser)\b.{0,30}",
    ),
    # copyright and contact footers
    _rule("copyright", r"(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}|by\b)).{0,200}"),
    _rule(
        "all rights reserved",
        r".{0,120}\ball rights reserved\b.{0,200}",
        needles=("rights reserved",),
    ),
    # footer links, or a label and an address: "Contact us: ...", "About us | Privacy policy",
    # "Contact us at news@example.com" (not "Customer service complaints rose 30 percent.")
    _rule(
        "contact footer",
        rf"{_FOOTER_LINK}(?:\s+{_FOOTER_LINK})*"
        rf"(?:\s*[:|•·/–—-].{{0,80}}|\s+at\s+{_ADDRESS}\.?|\.?)",
    ),
    _rule("service footer", r".{0,300}\b(?:buyer|seller) service\s*:.{0,80}", needles=("service",)),
    # a site promoting itself: "Gasgoo not only offers timely news and profound insight ..."
    _rule(
        "site promo",
        r"[\w.&' -]{1,40} (?:not only )?(?:offers|provides|brings you) (?:timely|the latest|"
        r"breaking|daily) news\b.*",
        needles=("offers", "provides", "brings you"),
    ),
    # cookie banners: "We use cookies to improve your experience.", "Accept all cookies"
    _rule(
        "cookie notice",
        r"(?:(?:we|this (?:web)?site|our (?:web)?site) uses? cookies (?:to|so that) "
        r"(?:improve|enhance|personali[sz]e|give|provide|ensure|offer|analy[sz]e)\b[^.]{0,120}"
        r"(?:experience|service|services|content|ads|advertising|traffic|site|website)\.?|"
        r"(?:accept|allow|reject|decline|manage) (?:all |optional |necessary )?cookies\.?)",
        needles=("cookies",),
    ),
    # share buttons and ad slots
    _rule(
        "share/ad slot",
        r"(?:share(?: this)?(?: article| story| post)?(?: on \w+)?|tweet|print(?: this)?|"
        r"advertisement|sponsored(?: content)?|ad)\s*:?",
    ),
    # a row of share buttons ("Share on Facebook | Share on X | Email", "Share | Tweet",
    # "Share this story: Facebook Twitter WhatsApp", "Copy link"); a lone site name is kept
    _rule(
        "share buttons",
        rf"share(?: this(?: article| story| post| page)?)?\s*:\s*{_SHARE_LABEL}"
        rf"(?:{_SHARE_SEP}{_SHARE_LABEL})*|{_SHARE_LABEL}(?:{_SHARE_SEP}{_SHARE_LABEL})+|"
        rf"{_SHARE_ACTION}",
    ),
)

_SPACE_CHARS = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")
_DROP_CHARS = re.compile(
    r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u2060\ufeff\ud800-\udfff]"
)  # controls (C0 and C1 but the line and space ones, DEL), soft hyphens, zero-width marks
_SPACES = re.compile(r" {2,}")


def normalize_chars(text: str) -> str:
    """NFC-normalise, unify line breaks and spaces, drop control and zero-width chars."""
    text = _DROP_CHARS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    return _SPACE_CHARS.sub(" ", text)


def boilerplate_rule(line: str) -> str | None:
    """Name of the line rule that matches the whole (stripped) line, else None."""
    line = line.strip()
    if not line or len(line) > MAX_BOILERPLATE_CHARS:
        return None
    lowered = line.lower()
    for rule in LINE_RULES:
        if rule.matches(line, lowered):
            return rule.name
    return None


def clean_text(text: str) -> str:
    """Remove boilerplate and normalise whitespace; paragraphs stay separated."""
    text = normalize_chars(text)
    for rule in INLINE_RULES:
        text = rule.pattern.sub(" ", text)
    lines = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip() if "  " in raw else raw.strip()
        lines.append("" if boilerplate_rule(line) else line)
    return join_lines(lines)


def join_lines(lines: list[str]) -> str:
    """Join stripped lines: adjacent lines by "\\n", groups split by blanks by "\\n\\n"."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\n".join(p) for p in paragraphs if p)


# --- Markdown -------------------------------------------------------------------------------

_MD_FENCE = re.compile(r"^\s*(?:```|~~~)")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
# the heading's text is group 2 less its closing "#"s (see :func:`_heading_text`): "(.*?)\s*#*\s*$"
# tried every split of a run of spaces between its two "\s*" at every place in the run, in
# cubic time (over 60 s for "# a", 20,000 spaces and "b"; 2,000 spaces took 2 s)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_BULLET = re.compile(r"^(\s*)[-*+]\s+")
# An image or link ("text" is its alt text or text), else (the second alternative, kept as
# it is) what no later "[" can start one in: its text up to the "]" that every "[" in it
# would stop at, or all the rest when no ")" closes a "](". Without it each "[" of a line
# of unclosed "[" or "[a](" was read to the line's end, in quadratic time (20 s for 80,000
# "[" or "![", 1.3 s for 80,000 characters of "[a]("; now 0.01 s).
_MD_IMAGE = re.compile(r"!\[(?P<text>[^\]]*)\]\([^)]*\)|!\[[^\]]*(?:\]\([^)]*\Z)?")
_MD_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\([^)]*\)|\[[^\]]+(?:\]\([^)]*\Z)?")
# each alternative stops at the next marker of its kind, so a line of unclosed "**a **a ..."
# is read in linear time (".+?" up to any later "**" made it quadratic: 15 s for 80,000
# characters)
_MD_EMPHASIS = re.compile(
    r"\*\*(?=\S)(?P<bold>(?:[^*\n]|\*(?!\*))+?)(?<=\S)\*\*"
    r"|__(?=\S)(?P<under>(?:[^_\n]|_(?!_))+?)(?<=\S)__"
    r"|(?<![\w*])\*(?=\S)(?P<italic>[^*\n]+?)(?<=\S)\*"
)
_MD_UNDERSCORE = re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_MD_DELIMITER_CELL = re.compile(r":?-+:?")


def strip_markdown(text: str) -> tuple[str, str | None]:
    """Lightly strip Markdown syntax. Returns (text, title) where title is a leading
    '# Heading' (removed from the text), else None. A pipe table becomes one line a row, as
    an HTML table does (see :func:`_rows_lines`)."""
    title: str | None = None
    out: list[str] = []
    for block in _md_blocks(text.split("\n")):
        if isinstance(block, list):
            out.extend(block)
            continue
        line = block
        if _MD_FENCE.match(line) or _MD_RULE.match(line):
            out.append("")
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            if title is None and heading.group(1) == "#" and not any(out):
                title = _strip_inline(_heading_text(heading.group(2))).strip() or None
                continue
            line = _heading_text(heading.group(2))
        line = _MD_BULLET.sub(r"\1", _MD_QUOTE.sub("", line))
        out.append(_strip_inline(line))
    return "\n".join(out), title


def _md_blocks(lines: list[str]) -> Iterator[str | list[str]]:
    """Markdown's ``lines``, each pipe table among them as the list of its row lines."""
    i = 0
    while i < len(lines):
        end = _pipe_table_end(lines, i)
        if end:
            yield _pipe_table_lines(lines[i:end])
            i = end
        else:
            yield lines[i]
            i += 1


def _pipe_table_end(lines: list[str], start: int) -> int:
    """The end of the pipe table whose header row is ``lines[start]`` (a row of cells
    between pipes, then a delimiter row as "|---|:--:|" with as many cells, then the body's
    rows up to a line without a pipe), else 0."""
    if start + 1 >= len(lines) or "|" not in lines[start] or "|" not in lines[start + 1]:
        return 0
    delimiter = _md_row(lines[start + 1])
    if not all(_MD_DELIMITER_CELL.fullmatch(cell) for cell in delimiter):
        return 0
    if len(delimiter) != len(_md_row(lines[start])):
        return 0
    end = start + 2
    while end < len(lines) and "|" in lines[end]:
        end += 1
    return end


def _md_row(line: str) -> list[str]:
    """A pipe table's row split into its cells (stripped; "\\|" is a pipe in a cell)."""
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [cell.replace("\\|", "|").strip() for cell in _MD_CELL_SEPARATOR.split(line)]


def _pipe_table_lines(lines: list[str]) -> list[str]:
    """A pipe table's lines (its header row, delimiter row and body rows), as an HTML
    table's: the header row names the values of the rows below it."""
    header, _, *body = ([" ".join(_strip_inline(c).split()) for c in _md_row(r)] for r in lines)
    return _rows_lines([(header, True), *((row, False) for row in body)])


def _heading_text(rest: str) -> str:
    """A heading's text from what follows its "#"s and spaces, without the closing "#"s
    and the spaces around them ("Title" of "Title ##  ")."""
    return rest.rstrip().rstrip("#").rstrip()


def _strip_inline(line: str) -> str:
    line = _MD_IMAGE.sub(_link_text, line)
    line = _MD_LINK.sub(_link_text, line)
    line = _MD_CODE.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(lambda m: m["bold"] or m["under"] or m["italic"], line)
    return _MD_UNDERSCORE.sub(r"\1", line)


def _link_text(m: re.Match[str]) -> str:
    """An image's or link's text; what :data:`_MD_LINK` (or ``_MD_IMAGE``) matched that is
    none, as it is."""
    return m[0] if m["text"] is None else m["text"]


# What tells Markdown from plain text: stricter than what is stripped, so that a lone "*",
# a "#hashtag", "5*****" or an "__init__" is no sign of it.
_MD_SIGNS = {
    "heading": re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE),
    "emphasis": re.compile(
        r"\*\*[^\s*](?:[^*\n]*[^\s*])?\*\*|(?<![\w*])\*[^\s*](?:[^*\n]*[^\s*])?\*(?![\w*])"
    ),
    "link": re.compile(r"\[[^\[\]\n]+\]\([^\s()]+(?:[ \t]+\"[^\"\n]*\")?\)"),
}
_MD_BULLET_LINE = re.compile(r"^[ \t]*[-*+][ \t]+\S", re.MULTILINE)


def markdown_constructs(text: str) -> frozenset[str]:
    """The kinds of Markdown syntax ``text`` uses, of "heading" (a line "# Heading"),
    "emphasis" ("**bold**", "*italic*"), "link" ("[text](url)", an image "![alt](src)"),
    "list" (two or more bullet lines "- item", "* item", "+ item") and "table" (a pipe
    table: a header row, then a delimiter row "|---|:--:|", as :func:`strip_markdown` reads
    it)."""
    found = {kind for kind, pattern in _MD_SIGNS.items() if pattern.search(text)}
    if len(_MD_BULLET_LINE.findall(text)) >= 2:
        found.add("list")
    if "|" in text:
        lines = text.split("\n")
        if any(_pipe_table_end(lines, i) for i in range(len(lines) - 1) if "|" in lines[i]):
            found.add("table")
    return frozenset(found)


# --- HTML -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlDoc:
    """Main text of an HTML page and the metadata the page declares. ``date`` is
    htmldate's reading (ISO) of the page without its modification-date <meta> tags (so
    that a JSON-LD ``datePublished`` or a ``<time itemprop="datePublished">`` beats them);
    ``meta_dates`` are the publication dates the page's <meta> tags give and
    ``modified_dates`` their modification dates, as written, each in page order."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    meta_dates: tuple[str, ...] = ()
    modified_dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Page:
    """A page made ready for extraction: its HTML without boilerplate elements and
    modification-date <meta> tags, the dates those tags (and the publication ones) give,
    and the names the page gives its site (og:site_name, the suffix of its <title>)."""

    html: str
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()


def extract_html(html: str) -> HtmlDoc:
    """Extract the article text (trafilatura), falling back to all visible text; both
    without the page's boilerplate elements (see :func:`_without_boilerplate`). Text that
    is only the site's name (a logo) is no article: the text is then empty."""
    page = _prepared_page(html)
    doc = _trafilatura_extract(page.html)
    if doc is not None and doc.text.strip():
        return replace(
            doc,
            text=_only_article(_in_page_order(doc.text, page.html), page.site_names),
            title=_without_site_name(doc.title, page.site_names),
            meta_dates=page.published[:MAX_META_DATES],
            modified_dates=page.modified[:MAX_META_DATES],
        )
    return HtmlDoc(text=_only_article(_visible_text(page.html), page.site_names))


def _in_page_order(text: str, html: str) -> str:
    """``text`` (extracted from ``html``) with its lines in the order the page shows them.

    Main-content extraction may put a block it recovered late (a standfirst, a nested
    paragraph, the headline) after the text it found first. Each line that the page's
    visible text holds exactly once gives a position; a line that is not found there, or
    not once (a table row, a repeated "Yes."), stays after the line before it. The lines
    are re-sorted only if most of them are placed; otherwise ``text`` is returned as is."""
    lines = text.split("\n")
    counts: dict[str, int] = {}
    where: dict[str, int] = {}
    for i, visible in enumerate(_visible_text(html).split("\n")):
        key = " ".join(visible.split())
        if key:
            counts[key] = counts.get(key, 0) + 1
            where.setdefault(key, i)
    groups: list[tuple[int, list[str]]] = []
    placed = 0
    for line in lines:
        key = " ".join(line.split())
        if key and counts.get(key) == 1:
            groups.append((where[key], [line]))
            placed += 1
        elif groups:
            groups[-1][1].append(line)
        else:
            groups.append((-1, [line]))
    positions = [pos for pos, _ in groups]
    if placed * 2 <= len([line for line in lines if line.strip()]) or positions == sorted(
        positions
    ):
        return text
    ordered = sorted(groups, key=lambda g: g[0])  # stable: an unplaced head stays first
    return "\n".join(line for _, group in ordered for line in group)


def _only_article(text: str, site_names: tuple[str, ...]) -> str:
    """``text``, or "" if it is only one of the site's names (the logo of a page that
    holds no article)."""
    key = " ".join(text.split()).casefold()
    return "" if key and key in {n.casefold() for n in site_names} else text


# the commonest of the <meta> tags htmldate reads, should a later version not name them
_PUBLISHED_META = frozenset(
    {"date", "pubdate", "publishdate", "datepublished", "dc.date", "dcterms.created"}
    | {"article:published_time", "og:published_time"}
)
_MODIFIED_META = frozenset({"lastmod", "last-modified", "modified", "article:modified_time"})


@lru_cache(maxsize=1)
def _date_meta_rules() -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    """(attribute, its values that give a publication date, those that give a modification
    date) for a <meta> tag: the tags and the order of htmldate (trafilatura's date reader),
    whose first attribute of these that the tag has decides."""
    try:
        from htmldate import core

        published, itemprop = core.DATE_ATTRIBUTES, core.ITEMPROP_ATTRS_ORIGINAL
        name_modified, property_modified = core.NAME_MODIFIED, core.PROPERTY_MODIFIED
        itemprop_modified = core.ITEMPROP_ATTRS_MODIFIED
    except (ImportError, AttributeError):
        published, itemprop = _PUBLISHED_META, {"datepublished", "datecreated"}
        name_modified = property_modified = _MODIFIED_META
        itemprop_modified = {"datemodified"}
    return (
        ("name", frozenset(published), frozenset(name_modified)),
        ("property", frozenset(published), frozenset(property_modified)),
        ("itemprop", frozenset(itemprop), frozenset(itemprop_modified)),
        ("pubdate", frozenset({"pubdate"}), frozenset()),
        ("http-equiv", frozenset({"date"}), frozenset({"last-modified"})),
    )


MAX_META_DATES = 20


def _load_tree(html: str):
    """The page parsed (trafilatura's loader), or None if it cannot be."""
    from lxml import etree
    from trafilatura import load_html

    try:
        return load_html(html)
    except (etree.LxmlError, ValueError, TypeError):
        return None


def _prepared_page(html: str) -> _Page:
    """``html`` without its boilerplate elements and modification-date <meta> tags, its
    tables ready for extraction (see :func:`_prepare_tables`; left unchanged if there is
    nothing to do, or it cannot be parsed), with the dates and site names the page declares."""
    from lxml import etree
    from lxml import html as lxml_html

    tree = _load_tree(html)
    if tree is None:
        return _Page(html)
    try:
        changed = _drop_boilerplate(tree)
        changed = _prepare_tables(tree) or changed
        published, modified = _meta_dates(tree)
        for el in modified:
            el.drop_tree()
        page = _Page(
            html,
            published=tuple(_meta_value(el) for el in published),
            modified=tuple(_meta_value(el) for el in modified),
            site_names=_site_names(tree),
        )
        if changed or modified:
            page = replace(page, html=lxml_html.tostring(tree, encoding="unicode"))
        return page
    except (etree.LxmlError, ValueError, TypeError):
        return _Page(html)


def _meta_dates(tree) -> tuple[list, list]:
    """The page's <meta> tags that declare a date: those of its publication, then those of
    its last modification, each in page order."""
    found: tuple[list, list] = ([], [])
    for el in tree.iter("meta"):
        kind = _meta_date_kind(el)
        if kind is not None and _meta_value(el):
            found[kind].append(el)
    return found


def _meta_value(el) -> str:
    """A date <meta> tag's date as written ("12/05/2022"), spaces normalised."""
    return " ".join((el.get("datetime") or el.get("content") or "").split())


def _meta_date_kind(el) -> int | None:
    """0 for a <meta> tag giving the page's publication date, 1 for one giving its
    modification date, else None."""
    for attribute, published, modified in _date_meta_rules():
        value = el.get(attribute)
        if value is not None:
            value = value.strip().lower()
            return 0 if value in published else 1 if value in modified else None
    return None


# "Headline | Site", "Headline - Site", "Headline – Site", "Headline — Site"
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
_SITE_NAME_META = ("og:site_name", "application-name")


def _site_names(tree) -> tuple[str, ...]:
    """The names a page gives its site: og:site_name (and the like), and the last part of
    its <title> after a separator ("Port traffic rises | Baltic Shipping News")."""
    names: list[str] = []
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        if key in _SITE_NAME_META:
            names.append(" ".join((el.get("content") or "").split()).lstrip("@"))
    title = next(tree.iter("title"), None)
    if title is not None:
        parts = _TITLE_SEPARATOR.split(" ".join((title.text or "").split()))
        if len(parts) > 1:
            names.append(parts[-1])
    return tuple(n for n in names if n)


def _without_site_name(title: str | None, site_names: tuple[str, ...]) -> str | None:
    """``title`` without a trailing " | Site name" (any separator of a <title>) that names
    the page's site: og:title often carries it, as <title> does."""
    if not title:
        return title
    for name in site_names:
        match = re.search(rf"(?:{_TITLE_SEPARATOR.pattern}){re.escape(name)}\s*$", title, re.I)
        if match and match.start() > 0:
            return title[: match.start()].strip() or title
    return title


# never article text: site navigation, headers and footers, buttons, dialogs
_BOILERPLATE_TAGS = frozenset({"nav", "footer", "button", "dialog"})
_BOILERPLATE_ROLES = frozenset({"navigation", "contentinfo", "dialog", "alertdialog"})
_CONSENT_NAME = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)
_CONSENT_TEXT = re.compile(r"cookie|consent", re.IGNORECASE)
# class names that say a state or a tag, not what an element is: "has-cookie-notice",
# "tag-cookies", "js-cookies-accepted" on a page or post wrapper
_STATE_PREFIXES = ("has-", "is-", "js-", "no-", "tag-", "category-")
_CONTENT_TAGS = frozenset({"html", "body", "main", "article"})
MAX_BANNER_CHARS = 1000  # a cookie/consent element longer than this is kept (a wrapper?)
MAX_SITE_HEADER_CHARS = 200  # a site's header: its logo, a tagline, a date line at most


def _without_boilerplate(html: str) -> str:
    """``html`` without <nav>, <footer>, <button> and <dialog> elements, their ARIA
    equivalents, a site's <header> (see :func:`_is_site_header`), tables of links, short
    cookie/consent banners (by id or class), prompts (see :func:`_is_prompt_block`) and the
    kicker over the headline (see :func:`_kickers`). Unchanged if there are none or the page
    cannot be parsed."""
    from lxml import etree
    from lxml import html as lxml_html

    tree = _load_tree(html)
    if tree is None:
        return html
    try:
        if not _drop_boilerplate(tree):
            return html
        return lxml_html.tostring(tree, encoding="unicode")
    except (etree.LxmlError, ValueError, TypeError):
        return html


def _drop_boilerplate(tree) -> bool:
    """Drop the boilerplate elements from ``tree``, then the kicker above its headline (see
    :func:`_kickers`); True if there were any."""
    doomed = [el for el in tree.iter() if isinstance(el.tag, str) and _is_boilerplate(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the text that follows the element (its tail)
    kickers = _kickers(tree)
    for el in kickers:
        el.drop_tree()
    return bool(doomed or kickers)


def _is_boilerplate(el) -> bool:
    """A site's navigation, header or footer (not an article's own, which may hold its
    byline and date), button or dialog, a table of links (a menu); a short element named
    for cookies or consent whose text speaks of them (a banner, not a page wrapper that
    merely carries such a class); or a cookie, newsletter or promo prompt (see
    :func:`_is_prompt_block`)."""
    if el.tag in _BOILERPLATE_TAGS or el.get("role") in _BOILERPLATE_ROLES:
        return not _inside_content(el)
    if el.tag == "header" or el.get("role") == "banner":
        return _is_site_header(el)
    if el.tag == "table" and _is_link_table(el):
        return True
    names = f"{el.get('id') or ''} {el.get('class') or ''}".split()
    if el.tag in _CONTENT_TAGS:
        return False
    if any(_CONSENT_NAME.search(n) and not n.startswith(_STATE_PREFIXES) for n in names):
        text = _own_text(el)
        if (
            len(text) <= MAX_BANNER_CHARS
            and _CONSENT_TEXT.search(text) is not None
            and next(el.iter(*_CONTENT_TAGS, "h1", "h2"), None) is None
        ):
            return True
    return _is_prompt_block(el)


# Boilerplate blocks the article itself may hold (a cookie or newsletter prompt, a promo, an
# ad slot): named so by their id, class, aria-label or role, and speaking of it; or a short
# block of text that is a cookie or newsletter prompt by its words alone.
_PROMPT_TAGS = frozenset({"p", "div", "aside", "section", "form"})
MAX_PROMPT_WORDS = 60  # a block longer than this is article text, whatever it says
_PROMPT_KINDS = (  # (what names a block so, what its text then speaks of)
    (
        _CONSENT_NAME,  # as a banner is named (see _is_boilerplate)
        re.compile(r"\b(?:cookies?|consent|privacy|gdpr|accept|agree|preferences)\b", re.I),
    ),
    (
        re.compile(r"newsletter|sign-?up|subscribe(?![a-z])"),
        re.compile(r"\b(?:newsletters?|subscribe|sign[ -]?up|e-?mail|inbox)\b", re.I),
    ),
    (
        re.compile(
            r"(?<![a-z])(?:promos?|promotions?|adverts?|advertisement|advertising|ads?)"
            r"(?![a-z])"
        ),
        re.compile(
            r"\b(?:advert\w*|ads?|sponsor\w*|promo(?:tion)?s?|subscribe|subscription|sign[ -]?up|"
            r"newsletters?|free trial|download|app|discount|offer)\b",
            re.I,
        ),
    ),
)
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# a cookie prompt: the site's use of cookies ("uses cookies", "accept all cookies", "cookie
# policy"), a choice about them, and the site speaking ("we", "our", "this website")
_COOKIE_USE = re.compile(
    r"\b(?:uses?|use of|using|sets?|stores?|places?|accept|allow|reject|decline|manage)\s+"
    r"(?:(?:all|our|optional|non-essential|necessary|analytics|these|the)\s+)*cookies\b|"
    r"\bcookie (?:policy|settings|preferences|notice)\b",
    re.IGNORECASE,
)
_COOKIE_CHOICE = re.compile(
    r"\b(?:accept|consent|preferences|privacy (?:policy|notice|statement|settings)|"
    r"cookie (?:policy|notice|settings)|manage|reject|decline|agree|opt[- ]?out)\b",
    re.IGNORECASE,
)
_SITE_VOICE = re.compile(r"\b(?:we|our|us)\b|\bthis (?:web)?site\b", re.IGNORECASE)
# a newsletter prompt: two of these, one of the first three, and an offer to the reader
# ("Sign up ...", "Enter your email", "... in your inbox", "our newsletter")
_NEWSLETTER_CUES = {
    "newsletter": re.compile(r"\bnewsletters?\b", re.IGNORECASE),
    "subscribe": re.compile(r"\bsubscribe\b", re.IGNORECASE),
    "sign up": re.compile(r"\bsign[ -]?up\b", re.IGNORECASE),
    "email": re.compile(r"\be-?mail\b", re.IGNORECASE),
    "inbox": re.compile(r"\binbox\b", re.IGNORECASE),
}
_NEWSLETTER_OFFERS = frozenset({"newsletter", "subscribe", "sign up"})
_READER_OFFER = re.compile(
    r"\b(?:our|your) (?:[\w-]+ ){0,3}(?:newsletters?|inbox|e-?mail(?: address)?|digest|"
    r"briefing)\b|(?:^|[.!?:]\s+)\W*(?:sign[ -]?up|subscribe|get|join|enter|register)\b",
    re.IGNORECASE,
)
# a block that reports ("..., the regulator said") is the article's, whatever it is about
_REPORTING = re.compile(
    r"\b(?:said|says|told|tells|according to|reported|announced|added|wrote|found|ruled)\b",
    re.IGNORECASE,
)
_PROSE_BLOCKS = ("p", "div", "aside", "section", "form", "blockquote", "li", "table")


def _is_prompt_block(el) -> bool:
    """A short block (a <p>, <div>, <aside>, <section> or <form> of at most
    ``MAX_PROMPT_WORDS`` words, holding no headline or <time>) that is a cookie, newsletter
    or promo prompt: named so and speaking of it (:func:`_prompt_topics`), or, holding no
    block of its own, worded as one (:func:`_is_prompt_text`)."""
    if el.tag not in _PROMPT_TAGS:
        return False
    topics = _prompt_topics(el)
    leaf = next(el.iterdescendants(*_PROSE_BLOCKS), None) is None
    if not (topics or leaf):
        return False
    text = _el_text(el)
    if not text or len(text.split()) > MAX_PROMPT_WORDS:
        return False
    if next(el.iter(*_CONTENT_TAGS, "h1", "h2", "time"), None) is not None:
        return False
    if any(words.search(text) for words in topics):
        return True
    return leaf and _is_prompt_text(text)


def _prompt_names(el) -> list[str]:
    """``el``'s id and class names and its aria-label and role, lower case, a camelCase
    name's words and a label's split by "-" ("newsletterSignup" "newsletter-signup", "Cookie
    consent" "cookie-consent"); a name saying a state or a tag ("has-ads") is left out."""
    names = f"{el.get('id') or ''} {el.get('class') or ''} {el.get('role') or ''}".split()
    label = "-".join((el.get("aria-label") or "").split())
    names = [_CAMEL_HUMP.sub("-", n).lower() for n in [*names, label] if n]
    return [n for n in names if not n.startswith(_STATE_PREFIXES)]


def _prompt_topics(el) -> list[re.Pattern[str]]:
    """What the text of ``el`` must speak of to be the prompt its names say it is (one
    pattern for each of a cookie or consent notice, a newsletter sign-up, a promo or ad
    that they name); [] when it is named for none."""
    names = _prompt_names(el)
    return [words for name, words in _PROMPT_KINDS if any(name.search(n) for n in names)]


def _is_prompt_text(text: str) -> bool:
    """Whether ``text`` (a short block's) is a cookie prompt (the site, speaking as "we",
    "our" or "this website", names its use of cookies and a choice about them: "We use
    cookies to improve your experience. Accept all / Manage preferences") or a newsletter
    prompt (two of newsletter, subscribe, sign up, email and inbox, one of the first three,
    offered to the reader: "Sign up for our newsletter ... Subscribe", "Enter your email");
    never when it reports what someone said or found ("..., the regulator said")."""
    if _REPORTING.search(text):
        return False
    cookie = (_COOKIE_USE, _COOKIE_CHOICE, _SITE_VOICE)
    if all(pattern.search(text) for pattern in cookie):
        return True
    cues = {cue for cue, pattern in _NEWSLETTER_CUES.items() if pattern.search(text)}
    return len(cues) >= 2 and bool(cues & _NEWSLETTER_OFFERS) and bool(_READER_OFFER.search(text))


# A kicker: a short label over the headline ("ENERGY STORAGE", "Exclusive" as a link to its
# section), no part of the article's text.
MAX_KICKER_WORDS = 4
_KICKER_NAME = re.compile(r"kicker|eyebrow|section|category|label|overline|rubric")
_NOT_KICKER_NAME = re.compile(r"author|byline|date|time|standfirst|summary|dek|lede|intro")
_KICKER_STOPS = frozenset({"article", "main", "body", "html"})


def _kickers(tree) -> list:
    """The kickers right above the page's headlines (see :func:`_headlines`)."""
    found = (_kicker_before(heading) for heading in _headlines(tree))
    return list(dict.fromkeys(el for el in found if el is not None))


def _headlines(tree) -> list:
    """The page's <h1> elements; without one, the <h2> or <h3> that reads as the page's
    <title> (its part before a " | Site" suffix)."""
    h1s = list(tree.iter("h1"))
    if h1s:
        return h1s
    title = next(tree.iter("title"), None)
    key = _TITLE_SEPARATOR.split(_el_text(title))[0] if title is not None else ""
    return [h for h in tree.iter("h2", "h3") if key and _el_text(h) == key]


def _kicker_before(heading):
    """The element that shows the line right above ``heading`` if it is a kicker (see
    :func:`_is_kicker`), else None. That line is the nearest earlier sibling with visible
    text, or, when ``heading`` opens its container (a <header>, a <div>; not the <article>
    or <main>), the one above that container; text between them (a tail) is no kicker."""
    el = heading
    while True:
        prev = el.getprevious()
        while prev is not None:
            if (prev.tail or "").strip():
                return None
            if _shows_text(prev):
                return prev if _is_kicker(prev) else None
            prev = prev.getprevious()
        parent = el.getparent()
        if parent is None or parent.tag in _KICKER_STOPS or (parent.text or "").strip():
            return None
        el = parent


def _shows_text(el) -> bool:
    """Whether ``el`` is an element that shows text (not a comment, script or style)."""
    if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
        return False
    return bool("".join(el.itertext()).strip())


def _is_kicker(el) -> bool:
    """A short label (at most ``MAX_KICKER_WORDS`` words, no digits, no sentence, no byline,
    no <h1>): all in capitals ("ENERGY STORAGE"), named a kicker, eyebrow, section, category
    or label (it or an element in it), or a link (not to an author)."""
    text = _el_text(el)
    words = text.split()
    if not words or len(words) > MAX_KICKER_WORDS or any(c.isdigit() for c in text):
        return False
    if text.endswith((".", "?", "!")) or words[0].lower() == "by":
        return False
    if next(el.iter("h1"), None) is not None:  # a headline itself
        return False
    parts = [el, *el.iterdescendants()]
    names = [n.lower() for part in parts for n in _kicker_names(part)]
    if any(_NOT_KICKER_NAME.search(n) for n in names):
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    if any(_KICKER_NAME.search(n) for n in names):
        return True
    links = [a for a in parts if a.tag == "a"]
    return len(links) == 1 and _el_text(links[0]) == text


def _kicker_names(el) -> list[str]:
    """``el``'s id and class names, and a link's rel and address."""
    if not isinstance(el.tag, str):
        return []
    return f"{el.get('id') or ''} {el.get('class') or ''} {el.get('rel') or ''}".split() + (
        [el.get("href") or ""] if el.tag == "a" else []
    )


def _is_site_header(el) -> bool:
    """A <header> (or banner) of the site, not of the article: outside the page's
    <article> and <main>, without a headline (h1, h2) or a <time>, and short (a logo, a tagline)."""
    if any(a.tag in ("article", "main") for a in el.iterancestors()):
        return False
    if next(el.iter(*_CONTENT_TAGS, "h1", "h2", "time"), None) is not None:
        return False
    return len(" ".join(_own_text(el).split())) <= MAX_SITE_HEADER_CHARS


def _own_text(el) -> str:
    """``el``'s text without that of the navigation, footers, buttons and dialogs in it."""
    return _text_outside(el, _BOILERPLATE_TAGS)


def _text_outside(el, tags) -> str:
    """``el``'s text outside the elements of ``tags`` in it."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in tags:
            parts.append(_text_outside(child, tags))
        parts.append(child.tail or "")
    return "".join(parts)


def _inside_content(el) -> bool:
    """True for a <footer> (or contentinfo) inside the page's <article> or <main>."""
    if el.tag != "footer" and el.get("role") != "contentinfo":
        return False
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _trafilatura_extract(html: str) -> HtmlDoc | None:
    import trafilatura  # heavy import: only when there is HTML to read

    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # trafilatura/lxml fail on some malformed input; use the fallback
        return None
    if doc is None:
        return None
    return HtmlDoc(
        text=_text_with_tables(doc),
        title=(doc.title or "").strip() or None,
        date=doc.date or None,
        url=doc.url or None,
    )


def page_lines_before(html: str, line: str, limit: int) -> list[str]:
    """The last ``limit`` lines of the page's visible text (cleaned, without navigation and
    other boilerplate) before the first one that starts like ``line``, nearest first: what
    the page shows just above the article's text (headline, byline, dateline), which main-
    content extraction may leave out. [] when ``line`` is not found on the page."""
    key = " ".join(line.split())[:60]
    if not key:
        return []
    lines = clean_text(_visible_text(_without_boilerplate(html))).split("\n")
    for i, visible in enumerate(lines):
        if visible.startswith(key):
            before = [v for v in lines[:i] if v]
            return before[::-1][:limit]
    return []


_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption"}
    | {"figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li"}
    | {"main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


def _visible_text(html: str) -> str:
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but never let a page break the corpus
        pass
    return "".join(parser.parts)


# --- HTML tables ----------------------------------------------------------------------------

_TABLE_PARTS = ("table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LAYOUT_ROLES = frozenset({"presentation", "none"})
MAX_TABLE_CELL_CHARS = 400  # a cell longer than this is prose: its table lays out the page
MAX_SPAN = 100  # rows or columns a cell spans at most (as trafilatura reads them)
_NO_WORDS = re.compile(r"\W+")


def _is_link_table(table) -> bool:
    """A <table> whose words are all its links' (a menu laid out as a table)."""
    links = "".join("".join(a.itertext()) for a in table.iter("a"))
    words = _NO_WORDS.sub("", links)
    return bool(words) and len(words) == len(_NO_WORDS.sub("", "".join(table.itertext())))


def _is_layout_table(table) -> bool:
    """A <table> that lays out the page rather than holding figures: marked presentational,
    or holding a table, a heading or a cell of prose."""
    if (table.get("role") or "").strip().lower() in _LAYOUT_ROLES:
        return True
    if next(table.iterdescendants("table", *_HEADINGS), None) is not None:
        return True
    cells = table.iter("td", "th")
    return any(len(" ".join(c.text_content().split())) > MAX_TABLE_CELL_CHARS for c in cells)


def _prepare_tables(tree) -> bool:
    """Ready the page's tables for extraction: a layout table's own rows and cells become
    <div>s (its text is read as the page's), a table of figures is made plain for
    trafilatura (see :func:`_prepare_data_table`). True if any table changed."""
    tables = list(tree.iter("table"))
    layout = [t for t in tables if _is_layout_table(t)]
    parts = [el for t in layout for el in t.iter(*_TABLE_PARTS) if _table_of(el) is t]
    for el in parts:
        el.tag = "div"
    changed = [_prepare_data_table(t) for t in tables if t not in layout]
    return bool(parts) or any(changed)


def _prepare_data_table(table) -> bool:
    """Make a table of figures plain for trafilatura, which takes only a first row of <th>
    cells for a header, leaves a cell spanning rows empty in the rows below its own and
    drops a <figcaption>: the cells of its <thead>, and those of a first row all bold, become
    <th> cells; a cell spanning rows is repeated in each (:func:`_repeat_rowspans`); header
    rows over one another become one (:func:`_merge_header_rows`); the <figcaption> of a
    <figure> holding only this table becomes its <caption>. True if the table changed."""
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    heads = list(table.iterfind("thead/tr/td"))
    for td in heads:
        td.tag = "th"
    changed = [
        bool(heads),
        _bold_header_row(rows[:1]),
        _repeat_rowspans(rows),
        _merge_header_rows(rows),
        _figcaption_as_caption(table),
    ]
    return any(changed)


_BOLD_TAGS = ("b", "strong")


def _bold_header_row(rows: list) -> bool:
    """Make ``rows`` (the table's first row, if any) a row of <th> cells if it has two or
    more cells with text and each of them is wholly bold. True if it did."""
    cells = [cell for row in rows for cell in _row_cells(row)]
    filled = [c for c in cells if c.text_content().strip()]
    if len(filled) < 2 or all(c.tag == "th" for c in cells):
        return False
    if not all(_is_bold(c) for c in filled):
        return False
    for cell in cells:
        cell.tag = "th"
    return True


def _is_bold(cell) -> bool:
    """True if all of ``cell``'s text is in <b> or <strong> elements."""
    return not _text_outside(cell, _BOLD_TAGS).strip()


def _span(cell, attribute: str) -> int:
    """A cell's rowspan or colspan as a number (1 if it is none, at most ``MAX_SPAN``); a
    rowspan of 0 spans the rest of its group, a colspan of 0 is 1."""
    value = (cell.get(attribute) or "").strip()
    span = min(int(value), MAX_SPAN) if value.isdecimal() else 1
    return span if span or attribute == "rowspan" else 1


def _repeat_rowspans(rows: list) -> bool:
    """Put a copy of each cell that spans rows (rowspan) in each row below its own that
    it spans, where the grid places it; the cell spans no rows then. A cell spans rows of
    its own group (<thead>, <tbody>, <tfoot> or the table) only. True if any cell had a
    rowspan."""
    groups = [list(group) for _, group in groupby(rows, key=lambda row: row.getparent())]
    return any([_repeat_group_rowspans(group) for group in groups])


def _repeat_group_rowspans(rows: list) -> bool:
    """:func:`_repeat_rowspans` for the rows of one group."""
    from copy import deepcopy

    own: list[list[tuple[int, object]]] = [[] for _ in rows]  # (column, cell) of each row
    copies: list[list[tuple[int, object]]] = [[] for _ in rows]
    taken: set[tuple[int, int]] = set()  # (row, column) a cell above fills
    for i, row in enumerate(rows):
        column = 0
        for cell in _row_cells(row):
            while (i, column) in taken:
                column += 1
            own[i].append((column, cell))
            width, span = _span(cell, "colspan"), _span(cell, "rowspan")
            for j in range(i + 1, len(rows) if span == 0 else min(i + span, len(rows))):
                copies[j].append((column, cell))
                taken.update((j, c) for c in range(column, column + width))
            column += width
    for row, cells, spanned in zip(rows, own, copies, strict=True):
        for column, source in sorted(spanned, key=lambda item: item[0]):
            copy = deepcopy(source)
            copy.attrib.pop("rowspan", None)
            copy.tail = None
            after = next((cell for c, cell in cells if c > column), None)
            if after is None:
                row.append(copy)
            else:
                after.addprevious(copy)
    spanning = [cell for cells in own for _, cell in cells if "rowspan" in cell.attrib]
    for cell in spanning:  # spanning no rows (past the group's last row, or none)
        del cell.attrib["rowspan"]
    return bool(spanning)


def _merge_header_rows(rows: list) -> bool:
    """Make a table's header rows over one another one row (see :func:`_stacked_heads`),
    each column's header cell named by the names over it ("Output (vans per year) 2025").
    True if it did."""
    heads = _stacked_heads(rows)
    if len(heads) < 2:
        return False
    columns = zip_longest(*(_column_names(row) for row in heads), fillvalue="")
    names = [" ".join(dict.fromkeys(name for name in column if name)) for column in columns]
    top = heads[0]
    for cell in _row_cells(top):
        top.remove(cell)
    for name in names:
        top.append(top.makeelement("th", {}))
        top[-1].text = name
    for row in heads[1:]:
        row.drop_tree()
    return True


def _stacked_heads(rows: list) -> list:
    """The table's first rows that are header rows over one another: a first row of <th>
    cells, two or more of them with text and one spanning columns (colspan), then each row
    of <th> cells below a row with a cell spanning columns."""
    heads: list = []
    for row in rows:
        cells = _row_cells(row)
        if not cells or any(cell.tag != "th" for cell in cells):
            break
        if heads and not any(_span(cell, "colspan") > 1 for cell in _row_cells(heads[-1])):
            break
        heads.append(row)
    top = _column_names(heads[0]) if heads else []
    return heads if len(set(name for name in top if name)) >= 2 else []


def _row_cells(row) -> list:
    """A <tr>'s cells (<td> and <th>)."""
    return [cell for cell in row if cell.tag in ("td", "th")]


def _column_names(row) -> list[str]:
    """A header row's names, one a column (a cell spanning columns names each)."""
    cells = _row_cells(row)
    return [_el_text(cell) for cell in cells for _ in range(_span(cell, "colspan"))]


def _el_text(el) -> str:
    """``el``'s text on one line."""
    return " ".join(" ".join(el.itertext()).split())


def _figcaption_as_caption(table) -> bool:
    """Make the <figcaption> of the <figure> that holds ``table`` and no other table the
    table's (last) <caption>. True if there was one."""
    figure = next(table.iterancestors("figure"), None)
    if figure is None or len(figure.xpath(".//table")) != 1:
        return False
    figcaptions = list(figure.iterchildren("figcaption"))
    at = len(list(table.iterchildren("caption")))
    for figcaption in figcaptions:
        caption = table.makeelement("caption", {})
        caption.text = figcaption.text
        caption.extend(list(figcaption))
        table.insert(at, caption)
        at += 1
        figcaption.drop_tree()
    return bool(figcaptions)


def _table_of(el):
    """The table ``el`` belongs to: itself, or the nearest table holding it."""
    return el if el.tag == "table" else next(el.iterancestors("table"), None)


def _text_with_tables(doc) -> str:
    """trafilatura's text of an extracted page (``doc``), each table in it as the lines
    :func:`_table_lines` gives."""
    body = doc.body
    if body is None or next(body.iter("table"), None) is None:
        return doc.text or ""
    from trafilatura.xml import xmltotxt

    for table in reversed(list(body.iter("table"))):  # a table in a cell before its own
        _as_lines(table, _table_lines(table))
    return xmltotxt(body, False)


def _as_lines(table, lines: list[str]) -> None:
    """Make ``table`` (trafilatura's XML) a paragraph of ``lines``, one a line."""
    from lxml import etree

    table.clear(keep_tail=True)
    table.tag = "p"
    table.text = lines[0] if lines else None
    for line in lines[1:]:
        etree.SubElement(table, "lb").tail = line


def _table_lines(table) -> list[str]:
    """A table's lines (trafilatura's XML: rows of cells, header cells with role="head"),
    as :func:`_rows_lines` gives them."""
    rows = []
    for row in table.iterchildren("row"):
        cells = list(row.iterchildren("cell"))
        texts = [_cell_text(cell) for cell in cells]
        rows.append((texts, _is_header_row(cells, texts)))
    return _rows_lines(rows)


def _rows_lines(rows: Iterable[tuple[list[str], bool]]) -> list[str]:
    """A table's lines from its rows (the texts of its cells, and whether it is a row of
    header cells): a row with one value (the caption, a section's name) is a line of its
    own; a first row of header cells names the values of the rows below it (see
    :func:`_row_line`)."""
    header: list[str] | None = None
    lines: list[str] = []
    count = 0
    for texts, is_header in rows:
        if sum(1 for text in texts if text) <= 1:
            lines.extend(text for text in texts if text)
        elif header is None and not count and is_header:
            header = texts
        else:
            lines.append(_row_line(texts, header))
            count += 1
    if header is not None and not count:
        lines.append(_row_line(header, None))
    return lines


def _is_header_row(cells: list, texts: list[str]) -> bool:
    """True if every cell of the row that holds text is a header cell (<th>)."""
    return all(cell.get("role") == "head" for cell, text in zip(cells, texts, strict=True) if text)


def _cell_text(cell) -> str:
    """A cell's text on one line, as trafilatura writes it."""
    from copy import deepcopy

    from trafilatura.xml import xmltotxt

    block = deepcopy(cell)
    block.tag, block.tail = "p", None
    return " ".join(xmltotxt(block, False).split())


def _row_line(texts: list[str], header: list[str] | None) -> str:
    """A row as a sentence: "Model A — Energy density: 350 Wh/kg; Cycle life: 4,000." with
    a header (the first cell labels the row), "Model A; 350 Wh/kg; 4,000." without one."""
    if header is None:
        line = "; ".join(text for text in texts if text)
    else:
        names = [name.rstrip(":").strip() for name in header[1:]]
        values = zip_longest(names, texts[1:], fillvalue="")
        line = "; ".join(f"{name}: {value}" if name else value for name, value in values if value)
        if texts[0]:
            line = f"{texts[0]} — {line}" if line else texts[0]
    return line if line.endswith((".", "!", "?")) else f"{line}."
