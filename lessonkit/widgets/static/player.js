// lessonkit's player in the page: an anywidget ES module (no build step).
//
// The kernel sends one `view` (see lessonkit/widgets/screen.py); this module draws it and
// sends back one message per learner action. An answer travels *with* its submit, in one
// message on this one widget, so the kernel grades exactly the value shown.
// All HTML in the view was made safe in the kernel; text from here is set as text.
// Words shown from here are marked with _(): the kernel sends their translations in the
// learner's language (the `i18n` state: lang, dir, messages), read from the same catalog as
// its own words (lessonkit/widgets/language.py); {name} placeholders are filled by fmt().

const SECTIONS = [
  "notice", "header", "route", "title", "body", "options", "answer", "status", "feedback",
  "reply", "hints", "solution", "nav", "summary", "mastery", "footer", "language", "say",
];

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function button(label, cls, attrs = {}) {
  return el("button", { type: "button", class: `lk-btn ${cls || ""}`.trim(), ...attrs }, label);
}

function storage() {
  try {
    return window.sessionStorage;
  } catch (e) {
    return null;
  }
}

function render({ model, el: host }) {
  const uid = "lk" + Math.random().toString(36).slice(2, 10);
  const root = el("div", { class: "lk-player", "data-lk": "player" });
  let i18n = model.get("i18n") || {};
  const _ = (message) => (i18n.messages && i18n.messages[message]) || message;
  function setLanguage() {
    if (!i18n.lang) return; // a preheated page's player before its learner's request
    root.setAttribute("lang", i18n.lang);
    root.setAttribute("dir", i18n.dir || "ltr");
    // lessonkit's own Voilà page is the player's: a page rendered before its request (a
    // preheated kernel) could not know the language, so the page takes the player's.
    if (document.body && document.body.classList.contains("lk-page")) {
      document.documentElement.lang = i18n.lang;
      document.documentElement.dir = i18n.dir || "ltr";
    }
  }
  setLanguage();
  const S = {};
  for (const name of SECTIONS) {
    // Sections are plain holders; what they hold carries the styled classes.
    S[name] = el("div", { class: `lk-sec lk-sec-${name}` });
    root.appendChild(S[name]);
  }
  S.notice.setAttribute("role", "status");
  function setContentLanguage() {
    // The lesson's own words (title, text, options) carry their language where it is not the
    // page's: an English lesson on an Arabic page reads left to right.
    const content = i18n.content || {};
    const other = content.lang && content.lang.split("-")[0] !== (i18n.lang || "en").split("-")[0];
    for (const name of ["title", "body", "options"]) {
      if (other) {
        S[name].setAttribute("lang", content.lang);
        S[name].setAttribute("dir", content.dir || "ltr");
      } else {
        S[name].removeAttribute("lang");
        S[name].removeAttribute("dir");
      }
    }
  }
  setContentLanguage();
  S.title.setAttribute("tabindex", "-1");
  S.feedback.setAttribute("role", "status");
  S.feedback.setAttribute("aria-live", "polite");
  S.feedback.setAttribute("aria-atomic", "true");
  S.feedback.setAttribute("tabindex", "-1");
  S.feedback.classList.add("lk-feedback", "lk-live");
  S.title.classList.add("lk-title");
  S.hints.classList.add("lk-hints");
  S.body.classList.add("lk-body");
  S.status.classList.add("lk-status");
  S.nav.classList.add("lk-nav");
  S.hints.setAttribute("tabindex", "-1");
  S.say.className = "lk-sr";
  S.say.setAttribute("aria-live", "polite");
  host.appendChild(root);

  let view = {};
  let shown = {};
  let pending = false;
  let acted = false;
  let readAnswer = null; // () => value of the input on screen
  let answerParts = null; // {fields: [...], check, hint}

  function send(action, extra = {}) {
    acted = true;
    model.send({ action, token: view.token, ...extra });
  }

  function typeset(node) {
    const manager = model.widget_manager;
    const typesetter = manager && manager._rendermime && manager._rendermime.latexTypesetter;
    try {
      if (typesetter) typesetter.typeset(node);
      else if (window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise([node]);
    } catch (e) {
      /* math stays as written */
    }
  }

  function changed(name, value) {
    const text = JSON.stringify(value === undefined ? null : value);
    if (shown[name] === text) return false;
    shown[name] = text;
    return true;
  }

  function setHtml(name, html, math) {
    if (!changed(name, html)) return;
    S[name].innerHTML = html || "";
    if (math && html) typeset(S[name]);
  }

  function drawNotice(notice) {
    if (!changed("notice", notice)) return;
    S.notice.replaceChildren();
    S.notice.classList.toggle("lk-notice", !!notice);
    if (!notice) return;
    S.notice.appendChild(el("p", { html: notice.html }));
    if (notice.action) {
      const take = button(notice.label, "lk-btn-primary");
      take.addEventListener("click", () => {
        take.disabled = true;
        send(notice.action);
      });
      S.notice.appendChild(take);
    }
  }

  function drawTitle(title, route) {
    if (changed("title", title)) {
      S.title.replaceChildren();
      if (title) S.title.appendChild(el("h2", { class: "lk-step-title" }, title));
    }
    if (changed("route", route)) {
      S.route.replaceChildren();
      if (route) {
        const note = el("p", { class: "lk-route", "data-reason": "adapted" });
        note.append(el("span", { class: "lk-route-mark", "aria-hidden": "true" }, "↪"), " " + route);
        S.route.appendChild(note);
      }
    }
  }

  function drawOptions(options) {
    if (!changed("options", options)) return;
    S.options.replaceChildren();
    S.options.classList.toggle("lk-options", options.length > 0);
    if (!options.length) {
      S.options.removeAttribute("role");
      S.options.removeAttribute("aria-label");
      return;
    }
    S.options.setAttribute("role", "group");
    S.options.setAttribute("aria-label", _("Options"));
    for (const option of options) {
      const pick = el("button", {
        type: "button",
        class: "lk-btn lk-option",
        "aria-pressed": option.picked ? "true" : "false",
        html: option.html,
      });
      pick.addEventListener("click", () => {
        for (const other of S.options.querySelectorAll("button")) other.disabled = true;
        send("choose", { value: option.value });
      });
      S.options.appendChild(pick);
    }
  }

  // ---------------------------------------------------------------- the answer unit

  function textField(spec, id, multiline) {
    // Code, numbers and formulas read left to right in every language; text follows its own.
    const dir = ["code", "number", "expression", "frame"].includes(spec.kind) ? "ltr" : "auto";
    const field = multiline
      ? el("textarea", { id, dir, class: `lk-field ${spec.kind === "free" ? "lk-free" : ""}`, rows: spec.kind === "code" ? 10 : 5, spellcheck: spec.kind === "free" ? "true" : "false", autocapitalize: "off" })
      : el("input", { id, dir, class: "lk-field", type: "text", autocomplete: "off", spellcheck: "false", autocapitalize: "off", placeholder: spec.placeholder || "", inputmode: spec.kind === "number" ? "decimal" : null });
    return field;
  }

  function buildAnswer(spec) {
    const form = el("form", { class: "lk-answer", novalidate: true, "data-kind": spec.kind });
    const id = `${uid}-answer`;
    const fields = [];
    let read = () => null;
    let restore = () => {};
    let help = "";
    if (["text", "number", "expression", "frame", "code", "free"].includes(spec.kind)) {
      const multiline = spec.kind === "code" || spec.kind === "free";
      form.appendChild(el("label", { class: "lk-label", for: id }, spec.label));
      const field = textField(spec, id, multiline);
      if (multiline) {
        help = `${uid}-help`;
        field.setAttribute("aria-describedby", help);
        field.value = spec.starter || "";
      }
      form.appendChild(field);
      if (multiline) form.appendChild(el("p", { class: "lk-status", id: help }, _("Press Ctrl+Enter to check.")));
      fields.push(field);
      read = () => field.value;
      restore = (value) => {
        if (typeof value === "string") field.value = value;
      };
    } else if (spec.kind === "single" || spec.kind === "multi") {
      const set = el("fieldset", { class: "lk-answer-set" });
      set.appendChild(el("legend", {}, spec.kind === "multi" ? fmt(_("{label} (select all that apply)"), { label: spec.label }) : spec.label));
      spec.options.forEach((option, i) => {
        const box = el("div", { class: "lk-choice" });
        const input = el("input", { type: spec.kind === "multi" ? "checkbox" : "radio", id: `${id}-${i}`, name: id, value: option.value });
        box.appendChild(input);
        box.appendChild(el("label", { for: `${id}-${i}`, html: option.html }));
        set.appendChild(box);
        fields.push(input);
      });
      form.appendChild(set);
      read = () => {
        const picked = fields.filter((f) => f.checked).map((f) => f.value);
        return spec.kind === "multi" ? picked : picked[0] ?? null;
      };
      restore = (value) => {
        const wanted = Array.isArray(value) ? value : [value];
        for (const f of fields) f.checked = wanted.includes(f.value);
      };
    } else if (spec.kind === "ordering") {
      let order = spec.order.slice();
      const set = el("fieldset", { class: "lk-answer-set" });
      set.appendChild(el("legend", {}, spec.label));
      const list = el("ol", { class: "lk-order" });
      set.appendChild(list);
      form.appendChild(set);
      const draw = (focusIndex, focusDir) => {
        list.replaceChildren();
        fields.length = 0;
        order.forEach((item, pos) => {
          const row = el("li");
          const text = spec.items[item].text;
          row.appendChild(el("span", { class: "lk-item", html: `${pos + 1}. ${spec.items[item].html}` }));
          const up = button(_("Move up"), "", { "aria-label": fmt(_("Move up: {item}"), { item: text }), disabled: pos === 0 });
          const down = button(_("Move down"), "", { "aria-label": fmt(_("Move down: {item}"), { item: text }), disabled: pos === order.length - 1 });
          up.addEventListener("click", () => move(pos, -1));
          down.addEventListener("click", () => move(pos, +1));
          row.append(up, down);
          list.appendChild(row);
          fields.push(up, down);
          if (pos === focusIndex) {
            const target = focusDir < 0 && pos > 0 ? up : down.disabled ? up : down;
            target.focus();
          }
        });
      };
      const move = (pos, delta) => {
        const to = pos + delta;
        if (to < 0 || to >= order.length) return;
        [order[pos], order[to]] = [order[to], order[pos]];
        draw(to, delta);
        S.say.textContent = fmt(_("{item}: now item {n} of {total}."), { item: spec.items[order[to]].text, n: to + 1, total: order.length });
        save();
      };
      read = () => order.slice();
      restore = (value) => {
        if (Array.isArray(value) && value.length === order.length) order = value.slice();
        draw(-1, 0);
      };
      draw(-1, 0);
    } else if (spec.kind === "namespace") {
      form.appendChild(el("div", { class: "lk-note", html: spec.note }));
    }
    const row = el("div", { class: "lk-row" });
    const check = el("button", { type: "submit", class: "lk-btn lk-btn-primary lk-check" }, _("Check"));
    row.appendChild(check);
    const hint = button(_("Hint"), "lk-hint");
    hint.addEventListener("click", () => {
      hint.disabled = true;
      send("hint");
    });
    row.appendChild(hint);
    form.appendChild(row);

    const key = spec.draft;
    const save = () => {
      const store = storage();
      if (store && key && !spec.disabled) {
        try {
          store.setItem(key, JSON.stringify(read()));
        } catch (e) {
          /* storage full or refused: the draft only lives on screen */
        }
      }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    let draft = null;
    const store = storage();
    if (store && key && !spec.disabled) {
      try {
        draft = JSON.parse(store.getItem(key) || "null");
      } catch (e) {
        draft = null;
      }
    }
    if (draft !== null) restore(draft);
    else if (spec.value !== null && spec.value !== undefined) restore(spec.value);
    if (spec.disabled && store && key) store.removeItem(key);

    form.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const target = event.target;
      const multiline = target.tagName === "TEXTAREA";
      if (multiline && !(event.ctrlKey || event.metaKey)) return;
      if (target.tagName === "BUTTON") return;
      event.preventDefault();
      form.requestSubmit();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (pending || check.hidden || check.disabled || !view.live) return;
      const value = read();
      pending = true;
      form.setAttribute("aria-busy", "true");
      check.disabled = true;
      for (const f of fields) if ("readOnly" in f && f.tagName !== "BUTTON") f.readOnly = true;
      const n = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      send("submit", { value, n });
    });
    readAnswer = read;
    answerParts = { form, fields, check, hint };
    return form;
  }

  function drawAnswer(spec, buttons) {
    const identity = spec ? { kind: spec.kind, draft: spec.draft, items: spec.items, options: spec.options, note: spec.note } : null;
    if (changed("answer", identity)) {
      S.answer.replaceChildren();
      answerParts = null;
      readAnswer = null;
      if (spec) S.answer.appendChild(buildAnswer(spec));
    }
    if (!answerParts) return;
    const { form, fields, check, hint } = answerParts;
    form.removeAttribute("aria-busy");
    for (const f of fields) {
      if (f.tagName === "BUTTON") f.disabled = spec.disabled || f.disabled;
      else {
        f.disabled = !!spec.disabled;
        if ("readOnly" in f) f.readOnly = false;
      }
    }
    check.hidden = !buttons.check;
    check.disabled = !buttons.check;
    hint.hidden = !buttons.hint;
    hint.disabled = !buttons.hint;
    if (buttons.hint) hint.textContent = buttons.hint;
  }

  function drawFeedback(feedback, status) {
    if (changed("status", status)) {
      S.status.textContent = status || "";
    }
    if (!changed("feedback", feedback)) return;
    S.feedback.replaceChildren();
    if (!feedback) return;
    const box = el("div", { class: `lk-msg lk-${feedback.kind}`, "data-kind": feedback.kind });
    if (feedback.title) box.appendChild(el("strong", {}, feedback.title));
    if (feedback.html) box.appendChild(el("div", { class: "lk-msg-body", html: feedback.html }));
    S.feedback.appendChild(box);
    typeset(box);
  }

  function drawReply(reply) {
    // The learner's one reply to a teacher's comment at a graded question. Outside the live
    // feedback region: a form there would be read out again with every message.
    if (!changed("reply", reply)) return;
    S.reply.replaceChildren();
    if (!reply) return;
    const id = `${uid}-reply`;
    const field = el("textarea", { id, class: "lk-field lk-free", rows: 3, maxlength: reply.maxlength, dir: "auto", spellcheck: "true" });
    const sendReply = button(reply.button, "lk-reply-send");
    sendReply.addEventListener("click", () => {
      sendReply.disabled = true;
      send("reply", { value: field.value });
    });
    S.reply.append(el("label", { class: "lk-label", for: id }, reply.label), field);
    const row = el("div", { class: "lk-row" });
    row.appendChild(sendReply);
    S.reply.appendChild(row);
  }

  function drawHints(hints, solution) {
    if (changed("hints", hints)) {
      S.hints.replaceChildren();
      if (hints) {
        const box = el("div", { class: "lk-msg lk-info" });
        box.appendChild(el("h3", { class: "lk-subhead" }, _("Hints")));
        box.appendChild(el("ol", { html: hints }));
        S.hints.appendChild(box);
        typeset(box);
      }
    }
    if (changed("solution", solution)) {
      S.solution.replaceChildren();
      if (solution) {
        const box = el("div", { class: "lk-solution" });
        box.appendChild(el("h3", { class: "lk-subhead" }, _("Worked solution")));
        box.appendChild(el("div", { html: solution }));
        S.solution.appendChild(box);
        typeset(box);
      }
    }
  }

  function drawNav(buttons, hasAnswer) {
    const nav = { back: buttons.back, skip: buttons.skip, lab: buttons.lab, next: buttons.next, hint: hasAnswer ? null : buttons.hint };
    if (!changed("nav", nav)) return;
    S.nav.replaceChildren();
    if (nav.back) {
      const back = button(_("Back"), "lk-back");
      back.addEventListener("click", () => send("back"));
      S.nav.appendChild(back);
    }
    if (nav.hint) {
      const hint = button(nav.hint, "lk-hint");
      hint.addEventListener("click", () => send("hint"));
      S.nav.appendChild(hint);
    }
    if (nav.skip) {
      const skip = button(nav.skip, "lk-skip");
      skip.addEventListener("click", () => send("skip"));
      S.nav.appendChild(skip);
    }
    if (nav.lab) {
      S.nav.appendChild(el("a", { class: "lk-btn lk-btn-link", href: nav.lab, target: "_blank", rel: "noopener" }, _("Open in JupyterLab")));
    }
    if (nav.next) {
      const next = button(nav.next.label, `lk-next ${nav.next.primary ? "lk-btn-primary" : ""}`);
      next.addEventListener("click", () => {
        next.disabled = true;
        send("next");
      });
      S.nav.appendChild(next);
    }
  }

  function drawFooter(restart) {
    if (!changed("footer", restart)) return;
    S.footer.replaceChildren();
    S.footer.classList.toggle("lk-footer", !!restart);
    if (!restart) return;
    const ask = button(_("Restart lesson…"), "lk-restart");
    ask.addEventListener("click", () => {
      const box = el("div", { class: "lk-confirm", role: "group", "aria-labelledby": `${uid}-confirm` });
      box.appendChild(el("p", { id: `${uid}-confirm` }, _("Start the lesson again from the beginning? Your answers so far stay recorded.")));
      const row = el("div", { class: "lk-row" });
      const yes = button(_("Start again"), "lk-btn-primary");
      const no = button(_("Cancel"), "");
      yes.addEventListener("click", () => {
        yes.disabled = true;
        send("restart", { confirmed: true });
      });
      const cancel = () => {
        box.replaceWith(ask);
        ask.focus();
      };
      no.addEventListener("click", cancel);
      box.addEventListener("keydown", (event) => {
        if (event.key === "Escape") cancel();
      });
      row.append(yes, no);
      box.appendChild(row);
      ask.replaceWith(box);
      no.focus();
    });
    S.footer.appendChild(ask);
  }

  function drawLanguage() {
    const languages = i18n.languages || [];
    if (!changed("language", [i18n.lang, languages, view.live])) return;
    S.language.replaceChildren();
    S.language.classList.toggle("lk-language", languages.length > 1);
    if (languages.length < 2) return;
    const id = `${uid}-language`;
    const pick = el("select", { id, class: "lk-field lk-language-pick", disabled: view.live === false });
    for (const language of languages) {
      const option = el("option", { value: language.tag, lang: language.tag }, language.name);
      if (language.tag === i18n.lang) option.selected = true;
      pick.appendChild(option);
    }
    pick.addEventListener("change", () => {
      pick.disabled = true;
      send("language", { value: pick.value });
    });
    S.language.append(el("label", { class: "lk-label", for: id }, _("Language")), pick);
  }

  function update(next) {
    view = next || {};
    pending = false;
    drawNotice(view.notice || null);
    setHtml("header", view.header);
    drawTitle(view.title || "", view.route || "");
    setHtml("body", view.body, true);
    drawOptions(view.options || []);
    const buttons = view.buttons || {};
    drawAnswer(view.input || null, buttons);
    drawFeedback(view.feedback || null, view.status || "");
    drawReply(view.reply || null);
    drawHints(view.hints || "", view.solution || "");
    drawNav(buttons, !!view.input);
    // Buttons pressed are disabled until the kernel answers; every answer re-enables them.
    for (const b of root.querySelectorAll(".lk-sec-nav button, .lk-sec-options button, .lk-sec-notice button, .lk-sec-reply button")) {
      b.disabled = false;
    }
    setHtml("summary", view.summary, true);
    setHtml("mastery", view.mastery);
    drawFooter(!!buttons.restart);
    drawLanguage();
    root.classList.toggle("lk-away", view.live === false);
    if (acted && view.focus) {
      const picker = S.language.querySelector("select");
      const target = { title: S.title, feedback: S.feedback, hints: S.hints, language: picker }[view.focus];
      const field = answerParts && answerParts.fields.find((f) => !f.disabled && f.tagName !== "BUTTON");
      // A wrong answer keeps focus in the field (the live region reads the feedback); a
      // finished question moves it to the feedback, whose next Tab reaches Continue.
      if (view.focus === "feedback" && field && view.feedback && view.feedback.kind !== "correct") {
        field.focus();
      } else if (target) {
        target.focus({ preventScroll: false });
      }
    }
    acted = false;
  }

  const onChange = () => update(model.get("view"));
  const onLanguage = () => {
    // Another language: every word drawn here is drawn again.
    i18n = model.get("i18n") || {};
    setLanguage();
    setContentLanguage();
    shown = {};
    update(model.get("view"));
  };
  model.on("change:view", onChange);
  model.on("change:i18n", onLanguage);
  update(model.get("view"));
  return () => {
    model.off("change:view", onChange);
    model.off("change:i18n", onLanguage);
  };
}

export default { render };
