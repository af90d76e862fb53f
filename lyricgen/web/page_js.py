"""The browser's side of the page: the JavaScript its events run (page.PageBuilder.finish wires them), and
the settings it reads from the server (page_settings).

Each constant is one function Gradio runs in the browser (js=…); the snippets (DONE_JS, OPEN_LINK_JS, …) are
put at the top of the functions that use them.
"""

from __future__ import annotations

import json

from . import i18n, links

# Marks one part of the page's start as done, a part being "lyricgenLanguage" or "lyricgenLink": the page is
# ready (lyricgenReady, which tests and bench/page_views.py wait for) once its language and its link are both
# in. Put at the top of the functions below that use it.
DONE_JS = """
  const done = (part) => {
    const data = document.documentElement.dataset;
    data[part] = "1";
    if (data.lyricgenLanguage && data.lyricgenLink) data.lyricgenReady = "1";
  };
"""


# Presses a button once it is on screen (a tab's contents appear when the tab is first opened).
PRESS_JS = """(id) => {
  let tries = 0;
  const press = () => {
    const button = document.getElementById(id);
    if (button) button.click(); else if (++tries < 100) setTimeout(press, 100);
  };
  press();
}"""

# A Lesson "try it" link (or one in an element of class opens-panels: the Lab's "now use it in Hidden
# states") opens its panel in place, in this session: the address becomes the link (reload, copy, go back),
# the language kept, and the panel's opener reads it. Installed once, when the page starts.
TRY_IT_JS = """
  if (!window.lyricgenTryIt) {
    window.lyricgenTryIt = true;
    document.addEventListener("click", (event) => {
      const link = event.target.closest
        && event.target.closest(".lesson-step a[href*='tab='], .opens-panels a[href*='tab=']");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      const url = new URL(link.getAttribute("href"), location.href);
      const opener = document.getElementById("open-" + url.searchParams.get("tab"));
      if (!opener) return;  // the browser follows the link: a page of its own
      event.preventDefault();
      event.stopPropagation();
      const lang = new URLSearchParams(location.search).get("lang");
      if (lang && !url.searchParams.has("lang")) url.searchParams.set("lang", lang);
      history.pushState(null, "", url);
      opener.click();
    }, true);
  }
"""

# Which panels have shown an answer (their run button pressed, by the student or a link, or Enter in one of
# their boxes): after the student switches language, each is told again in the new one (TRANSLATED_JS).
TRACK_ANSWERS_JS = """
  if (!window.lyricgenAnswered) {
    window.lyricgenAnswered = new Set();
    const answered = (element) => {
      const panel = element.closest && element.closest("[id^='tab-']");
      if (panel) window.lyricgenAnswered.add(panel.id);
    };
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("button.primary");
      if (button) answered(button);
    }, true);
    document.addEventListener("keydown", (event) => {
      const box = event.target;
      if (event.key === "Enter" && box.matches && box.matches("input, textarea")) answered(box);
    }, true);
  }
"""

# Gradio writes a few words of its own in the browser's language, or in English whatever the language: the
# heading of a message box ("Error"), the mark on an output whose event failed, the footer. The page's own
# words instead, in the language the page says it speaks (data-lyricgen-lang), as Gradio draws them and
# after a switch.
GRADIO_WORDS = {".toast-title.error": "page.gradio.error",
                "[data-testid='status-tracker'] span.error": "page.gradio.error",
                "footer .show-api": "page.gradio.api", "footer .built-with": "page.gradio.built",
                "footer .settings": "page.gradio.settings"}
GRADIO_WORDS_JS = """
  if (!window.lyricgenSay) {
    const words = settings.words;  // {language: {selector: word}}
    const marks = Object.keys(Object.values(words)[0]).join(", ");
    const say = (element) => {
      const mine = words[document.documentElement.dataset.lyricgenLang];
      const word = mine && mine[Object.keys(mine).find((selector) => element.matches(selector))];
      const text = word && [...element.childNodes].find((node) => node.nodeType === 3 && node.data.trim());
      if (text && text.data.trim() !== word) text.data = word + " ";
    };
    window.lyricgenSay = () => document.querySelectorAll(marks).forEach(say);
    new MutationObserver((records) => {
      for (const record of records) {
        const node = record.type === "characterData" ? record.target.parentElement : record.target;
        if (node && node.closest) {
          const mark = node.closest(marks);
          if (mark) say(mark); else if (record.addedNodes.length) node.querySelectorAll(marks).forEach(say);
        }
      }
    }).observe(document.body, {childList: true, characterData: true, subtree: true});
  }
"""

# When the page starts; settings: the hidden #page-settings (page_settings). The browser's first language we
# have is found the way the server finds it in Accept-Language (i18n.match: the longest code or alias a
# tag starts with); the server is asked (the hidden #page-start) only when that, ?lang= or a link to no
# panel there is needs its answer.
START_JS = ("(settings) => {\n  settings = JSON.parse(settings);" + DONE_JS + TRY_IT_JS + TRACK_ANSWERS_JS
            + GRADIO_WORDS_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = settings.default;
  window.lyricgenSay();
  const names = settings.names;  // [name, code], longest name first
  const match = (tag) => {
    tag = String(tag || "").toLowerCase().replace(/_/g, "-");
    const found = names.find(([name]) => tag === name || tag.startsWith(name + "-"));
    return found ? found[1] : null;
  };
  let tries = 0;
  const start = () => {
    const server = document.getElementById("page-start");
    if (!server) {  // the page's hidden part is drawn last: wait for it
      if (++tries < 200) setTimeout(start, 50);
      return;
    }
    const wanted = (navigator.languages || [navigator.language]).map(match).find((code) => code) || settings.default;
    const params = new URLSearchParams(location.search);
    const tab = params.get("tab");
    const opener = tab && document.getElementById("open-" + tab);
    if (wanted !== settings.default || params.has("lang") || (tab && !opener)) {
      server.click();
      return;
    }
    done("lyricgenLanguage");
    if (opener) opener.click(); else done("lyricgenLink");
  };
  start();
}""")

# After the server's answer: the language is in unless its strings must still be sent; a link in the
# address opens its panel through that panel's opener, once the page speaks its language (TRANSLATED_JS
# opens it when the strings are still to come): a chart drawn before its words arrive can stay in the
# other language, as Gradio's plot draws a second spec while the first is still being drawn.
OPEN_LINK_JS = """
  const openLink = () => {
    const tab = new URLSearchParams(location.search).get("tab");
    const opener = tab && document.getElementById("open-" + tab);
    if (opener) opener.click(); else done("lyricgenLink");
  };
"""
STARTED_JS = "(lang, settings) => {\n  settings = JSON.parse(settings);" + DONE_JS + OPEN_LINK_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = lang;
  window.lyricgenSay();
  if (lang !== settings.default) {
    window.lyricgenOpenLink = true;
    return;
  }
  done("lyricgenLanguage");
  openLink();
}"""

# After a panel's opener has filled it in: the link is in, and the panel's run button (run: its element id,
# or null) is pressed, only when the address sets `needs` where the panel names one.
# With code=1 in the link (a Lesson step's "read the code"), the panel's code view (code: its element id) is
# unfolded and its button pressed, instead of the run.
OPENED_JS = "(run, needs, code) => {" + DONE_JS + """
  done("lyricgenLink");
  const params = new URLSearchParams(location.search);
  if (code && params.get("code") === "1") {
    const view = document.getElementById(code);
    const fold = view && view.querySelector("button.label-wrap");
    if (fold && !fold.classList.contains("open")) fold.click();
    (""" + PRESS_JS + """)(code + "-button");
    return;
  }
  if (run && (!needs || params.get(needs))) (""" + PRESS_JS + """)(run);
}"""


def opened_js(setup: links.Setup) -> str:
    """OPENED_JS called with this panel's run button, `needs` and its code view's element id (JSON literals: no
    text is replaced)."""
    run = setup.run.elem_id if setup.run else None
    code = setup.code.elem_id if setup.code else None
    return (f"() => ({OPENED_JS})({json.dumps(run)}, {json.dumps(setup.needs if setup.run else None)}, "
            f"{json.dumps(code)})")


def page_settings() -> str:
    """What the page's own JS needs from the server, as JSON in the hidden #page-settings: the default
    language, the language names the browser's may match, and Gradio's words in each language."""
    names = sorted(((name.lower(), code) for code, module in i18n.LANGUAGES.items()
                    for name in (code, *getattr(module, "ALIASES", ()))), key=lambda pair: -len(pair[0]))
    words = {code: {selector: i18n.text(code, key) for selector, key in GRADIO_WORDS.items()}
             for code in i18n.LANGUAGES}
    return json.dumps({"default": i18n.DEFAULT, "names": names, "words": words}, ensure_ascii=False)


# The opener's input: the link in the address.
ADDRESS_JS = "(ignored) => location.search"

# The language is in (on load, or after the switch): the page says which (<html lang>, and data-lyricgen-lang
# for GRADIO_WORDS_JS). After the student's switch, every panel that shows an answer is told it again in
# the new language: through its hidden .retell button where running it again would not do (a generation
# would write other words, a training start over), else by pressing its run button, which gives the same
# answer from the same inputs (a blank seed draws again).
TRANSLATED_JS = "(lang) => {" + DONE_JS + OPEN_LINK_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = lang;
  if (window.lyricgenSay) window.lyricgenSay();
  if (window.lyricgenOpenLink) {
    window.lyricgenOpenLink = false;
    openLink();
  }
  if (window.lyricgenSwitched) {
    window.lyricgenSwitched = false;
    for (const id of window.lyricgenAnswered || []) {
      const panel = document.getElementById(id);
      const again = panel && (panel.querySelector("button.retell") || panel.querySelector("button[id^='run-']"));
      if (again) again.click();
    }
  }
  done("lyricgenLanguage");
}"""

# The student switched: keeps the chosen language in the address, so that a reload (or a copied address)
# keeps it too.
REMEMBER_LANGUAGE_JS = """(lang) => {
  window.lyricgenSwitched = true;
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  window.history.replaceState(null, "", url);
}"""

# The link the server wrote (a query) as a whole URL: copied where the browser allows it, and shown in
# the address bar, where a browser without clipboard access (plain http on a school network) can
# still copy it by hand. The button says it worked with a tick (CSS .copied). A language chosen on the page
# (or by the link it was opened with) stays in the link; else whoever opens it gets their browser's.
COPY_JS = """(query) => {
  if (!query) return;
  const lang = new URLSearchParams(location.search).get("lang");
  const url = location.origin + location.pathname + query + (lang ? "&lang=" + encodeURIComponent(lang) : "");
  history.replaceState(null, "", url);
  navigator.clipboard?.writeText(url).catch(() => {});
  const button = document.activeElement && document.activeElement.closest(".copy-link");
  if (button) { button.classList.add("copied"); setTimeout(() => button.classList.remove("copied"), 3000); }
}"""
