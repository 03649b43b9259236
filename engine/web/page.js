/* vignettes page: the reader's side of an exported story.
 *
 * The story moves only through VignettesRuntime (the same runtime the
 * differential test checks against the terminal's). Story text reaches the
 * page only through textContent. Controls follow a small contract
 * (docs/export.md): data-choice moves the story on, data-action does the rest.
 */
(function () {
  "use strict";

  var R = window.VignettesRuntime;
  var MAX_SAVE = 1000000; // characters: the terminal's cap on a save file
  var MAX_DEPTH = 64;
  var data = JSON.parse(document.getElementById("story-data").textContent);
  var schema = JSON.parse(document.getElementById("save-schema").textContent);
  var story = R.load(data);
  var KEY = "vignettes:" + story.id;
  var SETTINGS = KEY + ":settings";
  var state = null;
  var saved = null; // a save offered for resuming: {state, changed}
  var settings = { size: "normal", shortcuts: true };
  var storageFailed = false;
  var savedOnce = false;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function say(message) {
    $("status").textContent = message;
  }

  // -- storage: any failure is a message, never the end of play ----------------------

  function reason(e) {
    return e && e.name === "QuotaExceededError" ? "the browser's storage is full" : "the browser refused (" +
      (e && e.name ? e.name : "unknown error") + ")";
  }

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, text) {
    try {
      window.localStorage.setItem(key, text);
      return null;
    } catch (e) {
      return e;
    }
  }

  function autosave() {
    var e = storageSet(KEY, R.stringify(R.toSave(story, state)));
    if (e) {
      if (!storageFailed) {
        say("Could not save your place in this browser: " + reason(e) + ". The story goes on; " +
            "“Save to file” keeps your place.");
      }
      storageFailed = true;
    } else {
      if (storageFailed) say("Saved: your place is kept in this browser again.");
      else if (!savedOnce) say("Saved: your place is kept in this browser after every step.");
      storageFailed = false;
      savedOnce = true;
    }
  }

  function loadSettings() {
    var raw = storageGet(SETTINGS);
    if (!raw || raw.length > 1000) return;
    try {
      var s = JSON.parse(raw);
      if (s && (s.size === "normal" || s.size === "large" || s.size === "larger")) settings.size = s.size;
      if (s && typeof s.shortcuts === "boolean") settings.shortcuts = s.shortcuts;
    } catch (e) { /* a damaged settings entry: keep the defaults */ }
  }

  function applySettings() {
    document.documentElement.setAttribute("data-text-size", settings.size);
    Array.prototype.forEach.call(document.querySelectorAll('input[name="text-size"]'), function (input) {
      input.checked = input.value === settings.size;
    });
    $("shortcuts").checked = settings.shortcuts;
  }

  function saveSettings() {
    var e = storageSet(SETTINGS, JSON.stringify(settings));
    if (e) say("Could not keep this setting in the browser: " + reason(e) + ".");
  }

  // -- reading a save (untrusted: capped, schema-checked, replayed) --------------------

  function readSave(text) {
    if (text.length > MAX_SAVE) throw new Error("it is far too large");
    var value;
    try {
      value = R.parseJSON(text, MAX_DEPTH);
    } catch (e) {
      throw new Error(text.trim() ? "it is not valid JSON: " + e.message : "it is empty");
    }
    var problems = R.schemaErrors(schema, value);
    if (problems.length) throw new Error(problems[0]);
    var restored;
    try {
      restored = R.fromSave(story, value);
    } catch (e) {
      if (e instanceof R.Mismatch && e.step) {
        throw new Error("it no longer fits this story, which has changed since it was saved (" + e.message + ")");
      }
      if (e instanceof R.Mismatch || e instanceof R.Misuse) throw new Error(e.message);
      throw e;
    }
    return { state: restored, changed: !R.isCurrent(story, value) };
  }

  // -- drawing ---------------------------------------------------------------------------

  /* "Scene 2 of 6: London", as the terminal numbers it; an ending takes no number. */
  function place(v) {
    return v.position ? "Scene " + v.position + " of " + v.total + ": " : "";
  }

  function pathList(list) {
    var steps = R.recap(story, state);
    while (list.firstChild) list.removeChild(list.firstChild);
    steps.forEach(function (s) { list.appendChild(el("li", s[1] ? s[0] + ": " + s[1] : s[0])); });
    return steps.length;
  }

  function refreshRecap() {
    $("recap-empty").hidden = (state === null ? 0 : pathList($("recap-list"))) > 0;
  }

  /* Controls that need a story in progress are hidden before it begins. */
  function syncControls() {
    ["undo", "restart", "recap", "export-save"].forEach(function (name) {
      document.querySelector('[data-action="' + name + '"]').hidden = state === null;
    });
  }

  /* One step: exactly one new passage in the log, then the way on below it. */
  function show(echo, focus) {
    syncControls();
    var v = R.view(story, state);
    var passage = el("article", null, "passage");
    if (echo) passage.appendChild(el("p", echo, "echo"));
    var heading = el("h2");
    heading.tabIndex = -1;
    if (v.position) {
      // Read as the terminal writes it, "Scene 2 of 6: London"; shown on a line of its own.
      heading.appendChild(el("span", "Scene " + v.position + " of " + v.total, "place"));
      heading.appendChild(el("span", ": ", "visually-hidden"));
    }
    heading.appendChild(document.createTextNode(v.title));
    passage.appendChild(heading);
    v.paragraphs.forEach(function (p) { passage.appendChild(el("p", p)); });
    if (v.isEnding) {
      passage.appendChild(el("p", "The end.", "the-end"));
      if (state.answers.length) {
        passage.appendChild(el("p", "Your path:", "path-title"));
        pathList(passage.appendChild(el("ol", null, "path")));
      }
    }
    if (v.stranded) {
      passage.appendChild(el("p", "The story stops here without an ending: none of this scene’s options is open now " +
                                  "and it has no way on. This is a bug in the story, not an ending; you can undo the " +
                                  "last step or start again.", "stranded"));
    }
    $("log").appendChild(passage);
    drawChoices(v);
    if ($("recap").hidden === false) refreshRecap();
    if (focus) heading.focus();
  }

  function button(text, attr, value) {
    var b = el("button", text);
    b.type = "button";
    b.setAttribute(attr, value);
    return b;
  }

  function drawChoices(v) {
    var prompt = $("prompt"), options = $("options"), onward = $("onward");
    while (options.firstChild) options.removeChild(options.firstChild);
    while (onward.firstChild) onward.removeChild(onward.firstChild);
    prompt.hidden = options.hidden = v.options.length === 0;
    prompt.textContent = v.options.length ? v.prompt : "";
    if (v.options.length && !v.prompt) options.setAttribute("aria-label", "Options");
    else options.removeAttribute("aria-label");
    v.options.forEach(function (o, n) {
      var li = el("li");
      li.appendChild(button(o[1], "data-choice", String(n + 1)));
      options.appendChild(li);
    });
    if (v.options.length && v.canGoOn) onward.appendChild(button("Go on without choosing", "data-choice", "-"));
    else if (v.canGoOn) onward.appendChild(button("Go on", "data-choice", "next"));
    else if (v.isEnding || v.stranded) {
      if (v.stranded && state.answers.length) onward.appendChild(button("Undo the last step", "data-action", "undo"));
      onward.appendChild(button("Start again from the beginning", "data-action", "restart"));
    }
  }

  function clearChoices() {
    drawChoices({ options: [], canGoOn: false, isEnding: false, prompt: "" });
  }

  function header() {
    document.title = data.title;
    $("story-title").textContent = data.title;
    data.credits.forEach(function (line) { $("credits").appendChild(el("p", line)); });
  }

  function intro() {
    var notes = data.content_notes;
    notes.forEach(function (n) { $("notes-list").appendChild(el("li", n)); });
    $("notes").hidden = notes.length === 0;
    var resume = document.querySelector('[data-choice="resume"]');
    var begin = document.querySelector('[data-choice="begin"]');
    if (saved) {
      var v = R.view(story, saved.state);
      $("intro-title").textContent = "Welcome back";
      $("resume-offer").textContent = "You have a saved place: " + place(v) + "“" + v.title + "”.";
      $("resume-offer").hidden = false;
      resume.hidden = false;
      resume.textContent = "Resume where you left off";
      begin.textContent = "Start from the beginning";
    }
    if (!saved && notes.length === 0) return false;
    $("intro").hidden = false;
    return true;
  }

  // -- what the reader does ----------------------------------------------------------------

  function leaveIntro() {
    $("intro").hidden = true;
  }

  function begin() {
    leaveIntro();
    saved = null;
    state = R.start(story);
    show(null, true);
  }

  function resume() {
    if (!saved) return;
    leaveIntro();
    state = saved.state;
    var changed = saved.changed;
    saved = null;
    show("Resumed where you left off.", true);
    if (changed) say("The story has changed since you saved; your answers were replayed on it, and you are back where you were.");
  }

  function choice(value) {
    if (value === "begin") return begin();
    if (value === "resume") return resume();
    if (state === null) return;
    var v = R.view(story, state);
    var echo;
    if (value === "-" || value === "next") {
      if (!v.canGoOn) return;
      echo = v.options.length ? "You went on without choosing." : null;
      state = R.goOn(story, state);
    } else {
      var n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > v.options.length) return;
      echo = "You chose: " + v.options[n - 1][1];
      state = R.choose(story, state, v.options[n - 1][0]);
    }
    autosave();
    show(echo, true);
  }

  function toggle(panel, control) {
    var open = panel.hidden;
    panel.hidden = !open;
    control.setAttribute("aria-expanded", String(open));
    if (open) panel.querySelector("h2").focus();
    return open;
  }

  function downloadSave() {
    if (state === null) {
      say("There is nothing to save yet: begin the story first.");
      return;
    }
    var text = R.stringify(R.toSave(story, state), 1) + "\n";
    var url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = story.id + "-save.json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    say("Your place was saved to the file " + a.download + ".");
  }

  function importSave(file) {
    if (!file) return;
    if (file.size > MAX_SAVE) {
      say("That file cannot be loaded: it is far too large to be a save.");
      return;
    }
    file.text().then(function (text) {
      var loaded;
      try {
        loaded = readSave(text);
      } catch (e) {
        say("That file cannot be loaded: " + e.message + ".");
        return;
      }
      leaveIntro();
      saved = null;
      state = loaded.state;
      autosave();
      show("Loaded your place from the file " + file.name + ".", true);
      if (loaded.changed) say("The story has changed since that save was made; its answers were replayed on it.");
    }, function () {
      say("That file cannot be read.");
    });
  }

  function action(name, control) {
    if (name === "settings") return toggle($("settings"), control);
    if (name === "recap") {
      if (toggle($("recap"), control)) refreshRecap();
      return;
    }
    if (name === "export-save") return downloadSave();
    if (name === "import-save") {
      $("save-file").value = "";
      return $("save-file").click();
    }
    if (name === "undo") {
      if (state === null || state.answers.length === 0) {
        say("Nothing to undo: this is where the story starts.");
        return;
      }
      state = R.undo(story, state);
      autosave();
      return show("Undone: back one step.", true);
    }
    if (name === "restart") {
      leaveIntro();
      saved = null;
      state = R.start(story);
      autosave();
      return show("Started again from the beginning.", true);
    }
  }

  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target.closest("button") : null;
    if (!target) return;
    if (target.hasAttribute("data-choice")) choice(target.getAttribute("data-choice"));
    else if (target.hasAttribute("data-action")) action(target.getAttribute("data-action"), target);
  });

  /* Number keys pick options (WCAG 2.1.4: they can be turned off, and never fire with modifiers or in fields). */
  document.addEventListener("keydown", function (e) {
    if (!settings.shortcuts || e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
    if (!/^[1-9]$/.test(e.key)) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var b = $("options").querySelector('[data-choice="' + e.key + '"]');
    if (b) {
      e.preventDefault();
      b.click();
    }
  });

  $("save-file").addEventListener("change", function (e) { importSave(e.target.files && e.target.files[0]); });
  $("shortcuts").addEventListener("change", function (e) {
    settings.shortcuts = e.target.checked;
    saveSettings();
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[name="text-size"]'), function (input) {
    input.addEventListener("change", function () {
      settings.size = input.value;
      applySettings();
      saveSettings();
    });
  });

  // -- start -------------------------------------------------------------------------------

  header();
  loadSettings();
  applySettings();
  var raw = storageGet(KEY);
  if (raw !== null) {
    try {
      saved = readSave(raw);
      if (saved.state.answers.length === 0 || R.view(story, saved.state).isEnding) saved = null;
    } catch (e) {
      saved = null;
      var kept = storageSet(KEY + ":damaged", raw.slice(0, MAX_SAVE)) ? "" : " Its text is kept in this browser under " + KEY + ":damaged.";
      say("Your saved place could not be used: " + e.message + "." + kept);
    }
  }
  if (!intro()) {
    state = R.start(story);
    show(null, false);
  } else {
    syncControls();
    clearChoices();
  }
})();
