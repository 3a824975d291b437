// evqa's page. Every piece of corpus text is inserted with textContent or text nodes,
// never as HTML: article text is untrusted input.
"use strict";

const RECENT_KEY = "evqa.recent";
const RECENT_MAX = 12;
const $ = (id) => document.getElementById(id);

// --- token (evqa serve --token prints the page's address with #token=...) -------------

function token() {
  // evqa serve percent-encodes it; URLSearchParams decodes it and never throws
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (given !== null) {
    sessionStorage.setItem("evqa.token", given);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("evqa.token");
}

// no response at all: the server stopped, or the network is down
class Unreachable extends Error {}

// the server's error answer: its message, and the HTTP status it came with
class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

const WRONG_TOKEN = "the page's token does not match this server's, so it forgot it: "
  + "open the address evqa serve printed (with #token=)";

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  const request = new Request(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  let res;
  try {
    res = await fetch(request);
  } catch (_) {
    throw new Unreachable(
      `cannot reach the evqa server at ${location.origin}; is \`evqa serve\` still running?`);
  }
  if (res.status === 401 && t) forgetToken(t);
  // the index may have changed (rebuilt, gone, back) or the server come back: say so above
  if (path !== "/health") health();
  const data = await json(res, path);
  if (!res.ok) throw new ApiError(errorMessage(res, data, t), res.status);
  return data;
}

function errorMessage(res, data, sentToken) {
  if (res.status === 401 && sentToken) return WRONG_TOKEN;
  return (data && data.error) || `HTTP ${res.status}`;
}

// a token the server refused is of no further use: asking without it says what to do
function forgetToken(t) {
  if (sessionStorage.getItem("evqa.token") === t) sessionStorage.removeItem("evqa.token");
}

// the API answers JSON, errors included: anything else (an HTML page, a proxy's error)
// is an error that says so, never a null the caller would trip over
async function json(res, path) {
  try {
    return await res.json();
  } catch (_) {
    const type = (res.headers.get("Content-Type") || "no Content-Type").split(";")[0];
    throw new Error(`the server's answer to ${path} is not JSON (HTTP ${res.status}, ${type})`);
  }
}

// --- building nodes from text -------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

// text with text[start:end] wrapped in <mark>; offsets are in UTF-16 code units in JS
// but in code points in Python, so slice by code points.
function marked(text, start, end, markProps) {
  const chars = Array.from(text);
  if (start === null || start === undefined) return [chars.join("")];
  return [
    chars.slice(0, start).join(""),
    el("mark", markProps, chars.slice(start, end).join("")),
    chars.slice(end).join(""),
  ];
}

function clear(node) { node.replaceChildren(); return node; }

// a title for a list: at most TITLE_MAX characters (code points), the rest an ellipsis
const TITLE_MAX = 120;

function shortTitle(title) {
  const chars = Array.from(title);
  return chars.length <= TITLE_MAX ? title : chars.slice(0, TITLE_MAX - 1).join("").trimEnd() + "…";
}

// --- asking ---------------------------------------------------------------------------

let lastAnswer = null;

async function ask(question) {
  question = question.trim();
  if (!question) {
    $("error").textContent = "Type a question first.";
    $("error").hidden = false;
    $("question").focus();
    return;
  }
  $("question").value = question;
  document.body.dataset.state = "loading";
  $("error").hidden = true;
  $("ask").disabled = true;
  try {
    const body = { question };
    if ($("mode").value) body.mode = $("mode").value;  // else the server's default
    const answer = await api("POST", "/ask", body);
    lastAnswer = answer;
    showAnswer(answer);
    remember(answer.question);
    document.body.dataset.state = answer.abstained ? "not-found" : "answered";
  } catch (e) {
    $("error").textContent = e.message;
    $("error").hidden = false;
    // the result on screen answers another question: never leave it under this one
    lastAnswer = null;
    $("result").hidden = true;
    closeArticle();
    if (e instanceof Unreachable) serverDown(e);
    document.body.dataset.state = "error";
  } finally {
    $("ask").disabled = false;
  }
}

// why an abstained answer has none, worded as the CLI words it (evqa/cli/render.py)
const LOW_CONFIDENCE = "No answer found with enough confidence";  // the best span was unsure
const NOT_FOUND_DETAIL = "The reader found no answer in the passages it read";  // no span
const NO_PASSAGES = "No passage matches the question";
const LISTED_BELOW = "; the closest passages are listed below";

function notFoundDetail(a) {
  if (a.reason) return a.reason[0].toUpperCase() + a.reason.slice(1) + ".";
  let detail;
  if (a.best_guess) detail = LOW_CONFIDENCE;
  else detail = a.passages.length ? NOT_FOUND_DETAIL : NO_PASSAGES;
  return detail + (a.passages.length ? LISTED_BELOW : "") + ".";
}

// "Best guess: SPAN (confidence 0.22), from TITLE", the title opening the article
function showBestGuess(a) {
  const box = clear($("best-guess"));
  const g = a.abstained ? a.best_guess : null;
  box.hidden = !g;
  $("confidence").hidden = Boolean(g);  // the line says it
  if (!g) return;
  box.append("Best guess: ", el("strong", {}, g.answer),
    ` (confidence ${a.confidence.toFixed(2)}), from `,
    el("button", {
      type: "button", class: "link title", title: g.title || g.doc_id,
      onclick: () => openArticle(g.doc_id),
    }, shortTitle(g.title || g.doc_id)));
}

function showAnswer(a) {
  $("result").hidden = false;
  closeArticle();
  $("not-found").hidden = !a.abstained;
  $("reason").textContent = a.abstained ? notFoundDetail(a) : "";
  $("reason").hidden = !a.abstained;
  showBestGuess(a);
  const sentence = clear($("answer-sentence"));
  sentence.hidden = a.abstained;
  if (!a.abstained) {
    const [s, e] = a.answer_offsets || [null, null];
    sentence.append(...marked(a.answer_sentence, s, e, { class: "answer-span" }));
    if (a.citations.length) sentence.append(" ", citeButton(a.citations[0]));
  }
  $("answer-label").textContent = a.abstained ? "" : "Answer: ";
  $("answer-label").hidden = a.abstained;
  if (!a.abstained) $("answer-label").append(el("strong", {}, a.answer));
  $("confidence").textContent = `confidence ${a.confidence.toFixed(2)}`;
  $("confidence").className = "confidence " + level(a.confidence);
  showFigures(a);
  showCitations(a);
  showPassages(a);
  $("json").textContent = JSON.stringify(a, null, 2);
}

function level(c) { return c >= 0.5 ? "high" : c >= 0.2 ? "mid" : "low"; }

function showFigures(a) {
  const list = clear($("figures"));
  if (a.figures.length < 2) return;
  for (const f of a.figures) {
    const cite = a.citations.find((c) => c.n === f.citation);
    list.append(el("li", {}, el("strong", {}, f.answer), " — ", f.sentence, " ",
      cite ? citeButton(cite) : null));
  }
}

function citeButton(c) {
  return el("button", {
    type: "button", class: "cite", dataset: { n: String(c.n) },
    title: c.title || c.doc_id, onclick: () => openArticle(c.doc_id, c.start, c.end),
  }, `[${c.n}]`);
}

function showCitations(a) {
  const list = clear($("citations"));
  $("citations-heading").hidden = a.citations.length === 0;
  for (const c of a.citations) {
    list.append(el("li", { class: "citation" },
      citeButton(c), " ",
      el("span", { class: "title", title: c.title || c.doc_id }, shortTitle(c.title || c.doc_id)),
      " ",
      el("span", { class: "muted" }, c.date || ""),
      el("blockquote", {}, c.quote)));
  }
}

function showPassages(a) {
  const list = clear($("passages"));
  $("passages-heading").textContent = a.abstained ? "Related passages" : "Passages";
  $("passages-heading").hidden = a.passages.length === 0;
  for (const p of a.passages) {
    list.append(el("li", { class: "passage" },
      el("button", {
        type: "button", class: "link title", title: p.title || p.doc_id,
        onclick: () => openArticle(p.doc_id, p.start, p.end),
      }, shortTitle(p.title || p.doc_id)),
      " ", el("span", { class: "muted" },
        [p.date, `score ${p.score.toFixed(3)}`].filter(Boolean).join(" · ")),
      el("p", {}, p.text)));
  }
}

// --- reading an article ---------------------------------------------------------------

async function openArticle(docId, start, end) {
  const box = $("article");
  box.dataset.state = "loading";
  try {
    // the id goes in the query: in a path, "." and ".." (even as %2E%2E) are resolved away
    const art = await api("GET", "/articles?id=" + encodeURIComponent(docId));
    $("article-title").textContent = art.title || art.id;
    $("article-meta").textContent = [art.date, art.title && art.id].filter(Boolean).join(" · ");
    const text = clear($("article-text"));
    text.append(...marked(art.text, start, end, { id: "quote", class: "quote" }));
    box.hidden = false;
    box.dataset.state = "open";
    box.dataset.doc = art.id;
    $("error").hidden = true;  // an earlier article's failure is over
    showQuote();
  } catch (e) {
    // never leave the article opened before on screen as if it were this one
    box.hidden = true;
    delete box.dataset.doc;
    box.dataset.state = "error";
    $("error").textContent = e.status === 404 ? GONE : e.message;
    $("error").hidden = false;
    if (e instanceof Unreachable) serverDown(e);
  }
}

// a citation or passage names an article the index no longer has (index add/remove/build)
const GONE = "this article is no longer in the index (it changed since this answer); ask again";

// the quote centred in the article's pane, scrolling only the pane: scrollIntoView would
// scroll the page too, taking the answer being read off the screen
function showQuote() {
  const pane = $("article-text");
  const q = $("quote");
  if (q) {
    const top = q.getBoundingClientRect().top - pane.getBoundingClientRect().top;
    pane.scrollTop += top - (pane.clientHeight - q.offsetHeight) / 2;
  } else pane.scrollTop = 0;
  // one column (a narrow screen): the article is below the answer, perhaps off the screen
  const box = $("article").getBoundingClientRect();
  if (box.top >= innerHeight || box.bottom <= 0) $("article").scrollIntoView({ block: "start" });
}

function closeArticle() {
  $("article").hidden = true;
  $("article").dataset.state = "closed";
}

// --- recent questions -----------------------------------------------------------------

function recent() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY)) || []; } catch (_) { return []; }
}

function remember(question) {
  const list = [question, ...recent().filter((q) => q !== question)].slice(0, RECENT_MAX);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  showRecent();
}

function showRecent() {
  const list = clear($("recent"));
  for (const q of recent()) {
    list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => ask(q) }, q)));
  }
  $("recent-clear").hidden = recent().length === 0;
}

// --- copy -----------------------------------------------------------------------------

async function copyJson() {
  if (!lastAnswer) return;
  const text = JSON.stringify(lastAnswer, null, 2);
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const area = el("textarea", {}, text);  // fallback where the clipboard API is refused
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  $("copied").hidden = false;
  setTimeout(() => { $("copied").hidden = true; }, 1500);
}

// --- start ----------------------------------------------------------------------------

let healthAsked = 0;  // several checks may overlap: only the latest one's answer is shown

async function health() {
  const n = ++healthAsked;
  try {
    const h = await api("GET", "/health");
    if (n !== healthAsked) return;
    $("health").textContent = `${h.articles} articles · ${h.chunks} chunks · ${h.model} · ${h.generation}`;
    $("health").dataset.state = "ok";
    $("health").title = "";
    $("question").placeholder = placeholder(h.articles);
  } catch (e) {
    if (n !== healthAsked) return;
    if (e instanceof Unreachable) serverDown(e);
    else {
      $("health").textContent = e.message;
      $("health").dataset.state = "error";
    }
  }
}

// the box's hint follows the served index (any index: no example that assumes its
// articles); only a count goes in, and through the attribute, never as HTML
function placeholder(articles) {
  if (!Number.isInteger(articles) || articles < 0) return "Ask a question about the indexed articles";
  if (articles === 0) return "The index holds no articles yet";
  if (articles === 1) return "Ask a question about the 1 indexed article";
  return `Ask a question about the ${articles.toLocaleString("en")} indexed articles`;
}

function serverDown(e) {
  $("health").textContent = "server unreachable";
  $("health").title = e.message;
  $("health").dataset.state = "down";
}

// a #token= address opened in a tab already on the page: take the token, check again
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).has("token")) health();
});

document.addEventListener("DOMContentLoaded", () => {
  $("ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); ask($("question").value); });
  $("copy-json").addEventListener("click", copyJson);
  $("article-close").addEventListener("click", closeArticle);
  $("recent-clear").addEventListener("click", () => { localStorage.removeItem(RECENT_KEY); showRecent(); });
  showRecent();
  health();
});
