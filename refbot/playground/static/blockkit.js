// Block Kit and mrkdwn, rendered the way Slack's client shows them (the subset RefBot uses, and then some).
// render(blocks, surface) returns DOM nodes; interactive elements call surface.act(...) and register their
// current value in surface.state (Slack's state.values shape: {block_id: {action_id: {type, ...}}}).
(() => {
"use strict";

const EMOJI = {
  white_check_mark: "✅", heavy_check_mark: "✔️", warning: "⚠️", rotating_light: "🚨", x: "❌",
  hourglass_flowing_sand: "⏳", hourglass: "⌛", calendar: "📅", spiral_calendar_pad: "🗓️", tada: "🎉",
  no_entry_sign: "🚫", no_entry: "⛔", information_source: "ℹ️", heavy_minus_sign: "➖", wave: "👋",
  twisted_rightwards_arrows: "🔀", repeat: "🔁", alarm_clock: "⏰", trophy: "🏆", first_place_medal: "🥇",
  second_place_medal: "🥈", third_place_medal: "🥉", telephone_receiver: "📞", phone: "☎️", star: "⭐",
  star2: "🌟", sparkles: "✨", mag: "🔍", mag_right: "🔎", memo: "📝", pencil: "📝", pencil2: "✏️",
  email: "📧", envelope: "✉️", bell: "🔔", pray: "🙏", raised_hands: "🙌", clap: "👏", thumbsup: "👍",
  "+1": "👍", thumbsdown: "👎", bar_chart: "📊", chart_with_upwards_trend: "📈", moneybag: "💰",
  handshake: "🤝", busts_in_silhouette: "👥", bust_in_silhouette: "👤", office: "🏢", earth_africa: "🌍",
  globe_with_meridians: "🌐", link: "🔗", lock: "🔒", key: "🔑", clipboard: "📋", inbox_tray: "📥",
  outbox_tray: "📤", speech_balloon: "💬", bulb: "💡", fire: "🔥", rocket: "🚀", seedling: "🌱",
  hammer_and_wrench: "🛠️", gear: "⚙️", stopwatch: "⏱️", clock: "🕐", date: "📅", pushpin: "📌",
  round_pushpin: "📍", arrow_right: "➡️", arrow_forward: "▶️", heart: "❤️", slightly_smiling_face: "🙂",
  smile: "😄", eyes: "👀", muscle: "💪", medal: "🏅", sports_medal: "🏅", gift: "🎁", label: "🏷️",
  large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴", white_circle: "⚪",
  small_orange_diamond: "🔸", small_blue_diamond: "🔹", ballot_box_with_check: "☑️", zzz: "💤",
  question: "❓", grey_question: "❔", exclamation: "❗", new: "🆕", hugging_face: "🤗", dart: "🎯",
  books: "📚", page_facing_up: "📄", briefcase: "💼", crown: "👑", confetti_ball: "🎊", party_popper: "🎉",
};

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(html) {
  return html.replace(/:([a-z0-9_+\-]+):/g, (m, name) => EMOJI[name] || m);
}

// ---------------------------------------------------------------- dates (<!date^…>) in the viewer's zone

function dayKey(date, tz) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(date);
}

function formatDateToken(seconds, format, ctx) {
  const date = new Date(seconds * 1000);
  const tz = ctx.tz || "UTC";
  const fmt = (opts) => new Intl.DateTimeFormat("en-US", { timeZone: tz, ...opts }).format(date);
  const pretty = (fallback) => {
    const now = ctx.now ? new Date(ctx.now) : new Date();
    const key = dayKey(date, tz);
    for (const [offset, word] of [[0, "today"], [-1, "yesterday"], [1, "tomorrow"]]) {
      if (dayKey(new Date(now.getTime() + offset * 86400000), tz) === key) return word;
    }
    return fallback;
  };
  const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const tokens = {
    date_num: () => dayKey(date, tz),
    date: () => fmt({ month: "long", day: "numeric", year: "numeric" }),
    date_short: () => fmt({ month: "short", day: "numeric", year: "numeric" }),
    date_long: () => fmt({ weekday: "long", month: "long", day: "numeric", year: "numeric" }),
    date_pretty: () => pretty(fmt({ month: "long", day: "numeric", year: "numeric" })),
    date_short_pretty: () => pretty(fmt({ month: "short", day: "numeric", year: "numeric" })),
    date_long_pretty: () => pretty(fmt({ weekday: "long", month: "long", day: "numeric", year: "numeric" })),
    time: () => fmt({ hour: "numeric", minute: "2-digit" }),
    time_secs: () => fmt({ hour: "numeric", minute: "2-digit", second: "2-digit" }),
    day_divider_pretty: () => pretty(fmt({ weekday: "long", month: "long", day: "numeric" })),
  };
  let out = format.replace(/\{(\w+)\}/g, (m, name) => (tokens[name] ? tokens[name]() : m));
  if (/^(today|yesterday|tomorrow)/.test(out)) out = cap(out);
  return out;
}

// ---------------------------------------------------------------- mrkdwn

function renderToken(inner, ctx) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const person = ctx.people[target.slice(1)];
    return `<span class="mention">@${esc(person ? person.name : target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) {
    const name = label || ctx.channels[target.slice(1)] || target.slice(1);
    return `<span class="mention">#${esc(name)}</span>`;
  }
  if (target.startsWith("!date^")) {
    const parts = target.split("^");
    const text = formatDateToken(Number(parts[1]), unescapeSlack(parts[2] || "{date}"), ctx);
    return `<span class="date" title="${esc(unescapeSlack(label || ""))}">${esc(text)}</span>`;
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    return `<span class="mention">@${esc(label || word)}</span>`;
  }
  const url = unescapeSlack(target);
  const safe = /^(https?:|mailto:|tel:)/i.test(url) ? url : "#";
  return `<a href="${esc(safe)}" target="_blank" rel="noopener noreferrer">${esc(unescapeSlack(label || target))}</a>`;
}

function splitOnce(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + 1)];
}

function inline(text, ctx) {
  // Tokens first (<…> links, mentions, dates), kept aside so formatting never reaches into a URL.
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let s = text.replace(/`([^`\n]+)`/g, (m, code) => hold(`<code>${esc(unescapeSlack(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (m, inner) => hold(renderToken(inner, ctx)));
  s = esc(unescapeSlack(s));
  const edge = "(^|[\\s(\\[{>\"'\u0000.,;:!?-])";
  s = s.replace(new RegExp(edge + "\\*([^*\\n]+)\\*(?=$|[\\s)\\]}.,;:!?'\"\u0000-])", "g"), "$1<b>$2</b>");
  s = s.replace(new RegExp(edge + "_([^_\\n]+)_(?=$|[\\s)\\]}.,;:!?'\"\u0000-])", "g"), "$1<i>$2</i>");
  s = s.replace(new RegExp(edge + "~([^~\\n]+)~(?=$|[\\s)\\]}.,;:!?'\"\u0000-])", "g"), "$1<s>$2</s>");
  s = emojify(s);
  return s.replace(/\u0000(\d+)\u0000/g, (m, i) => held[Number(i)]);
}

function mrkdwn(text, ctx) {
  const out = [];
  const parts = String(text || "").split("```");
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.push(`<pre>${esc(unescapeSlack(part.replace(/^\n/, "")))}</pre>`);
      return;
    }
    let quote = [];
    const flush = () => {
      if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    const lines = part.split("\n");
    lines.forEach((line, j) => {
      const q = line.match(/^(&gt;|>) ?(.*)$/);
      if (q) {
        quote.push(inline(q[2], ctx));
        return;
      }
      flush();
      const bullet = line.match(/^(\s*)([•◦▪\-*]|\d+\.) (.*)$/);
      if (bullet && !/^\*[^*]+\*/.test(line.trim())) {
        const mark = /\d/.test(bullet[2]) ? bullet[2] : "•";
        const indent = bullet[1].length ? " nested" : "";
        out.push(`<div class="li${indent}"><span class="bullet">${esc(mark)}</span>${inline(bullet[3], ctx)}</div>`);
      } else {
        out.push(inline(line, ctx) + (j < lines.length - 1 ? "<br>" : ""));
      }
    });
    flush();
  });
  return out.join("").replace(/(<br>)+$/, "");
}

function textHtml(obj, ctx) {
  if (!obj) return "";
  if (typeof obj === "string") return mrkdwn(obj, ctx);
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, ctx);
  const plain = esc(obj.text || "");
  return obj.emoji === false ? plain : emojify(plain);
}

function plainText(obj) {
  if (!obj) return "";
  return typeof obj === "string" ? obj : obj.text || "";
}

// ---------------------------------------------------------------- DOM helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "html") node.innerHTML = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function optionLabel(opt) {
  return opt ? emojify(esc(plainText(opt.text))) : "";
}

function allOptions(element) {
  const opts = [...(element.options || [])];
  for (const group of element.option_groups || []) opts.push(...(group.options || []));
  return opts;
}

// ---------------------------------------------------------------- elements

// surface: {ctx, state, act(element, blockId, value), suggest(element, blockId, text) -> Promise<options>,
//           confirm(dialog) -> Promise<bool>, inModal: bool}
function setState(surface, blockId, element, value) {
  if (!element.action_id) return;
  const entry = (surface.state[blockId] = surface.state[blockId] || {});
  entry[element.action_id] = { type: element.type, ...value };
}

async function fire(surface, element, blockId, value) {
  if (element.confirm && !(await surface.confirm(element.confirm))) return;
  surface.act(element, blockId, value);
}

const RENDERERS = {
  button(element, blockId, surface) {
    const cls = "bk-button" + (element.style ? " " + element.style : "");
    return el("button", {
      class: cls, type: "button", "data-action": element.action_id,
      html: textHtml(element.text, surface.ctx),
      onclick: () => {
        if (element.url) window.open(element.url, "_blank", "noopener");
        fire(surface, element, blockId, element.value);
      },
    });
  },
  overflow(element, blockId, surface) {
    const menu = el("div", { class: "overflow-menu hidden" });
    for (const opt of element.options || []) {
      menu.append(el("button", {
        type: "button", class: "overflow-item", html: optionLabel(opt),
        onclick: () => { menu.classList.add("hidden"); fire(surface, element, blockId, opt.value); },
      }));
    }
    return el("span", { class: "overflow" },
      el("button", { type: "button", class: "bk-button overflow-toggle", "aria-label": "More actions", text: "⋯",
                     onclick: () => menu.classList.toggle("hidden") }),
      menu);
  },
  static_select(element, blockId, surface) { return selectElement(element, blockId, surface, false); },
  multi_static_select(element, blockId, surface) { return selectElement(element, blockId, surface, true); },
  external_select(element, blockId, surface) { return externalSelect(element, blockId, surface, false); },
  multi_external_select(element, blockId, surface) { return externalSelect(element, blockId, surface, true); },
  users_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "user"); },
  multi_users_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "users"); },
  conversations_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "conversation"); },
  multi_conversations_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "conversations"); },
  channels_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "channel"); },
  multi_channels_select(element, blockId, surface) { return directorySelect(element, blockId, surface, "channels"); },
  datepicker(element, blockId, surface) {
    return simpleInput(element, blockId, surface, { type: "date" }, "selected_date", element.initial_date);
  },
  timepicker(element, blockId, surface) {
    return simpleInput(element, blockId, surface, { type: "time" }, "selected_time", element.initial_time);
  },
  datetimepicker(element, blockId, surface) {
    const initial = element.initial_date_time
      ? new Date(element.initial_date_time * 1000).toISOString().slice(0, 16) : "";
    const input = el("input", { type: "datetime-local", class: "bk-input", value: initial });
    const update = () => setState(surface, blockId, element, {
      selected_date_time: input.value ? Math.floor(new Date(input.value).getTime() / 1000) : null });
    input.addEventListener("change", () => { update(); if (!surface.inModal || element._dispatch) fire(surface, element, blockId, input.value); });
    update();
    return input;
  },
  plain_text_input(element, blockId, surface) {
    const attrs = { class: "bk-input", placeholder: plainText(element.placeholder) || null,
                    maxlength: element.max_length || null };
    return simpleInput(element, blockId, surface, attrs, "value", element.initial_value,
                       element.multiline ? "textarea" : "input");
  },
  number_input(element, blockId, surface) {
    return simpleInput(element, blockId, surface, { type: "number", class: "bk-input", min: element.min_value,
      max: element.max_value, step: element.is_decimal_allowed ? "any" : "1",
      placeholder: plainText(element.placeholder) || null }, "value", element.initial_value);
  },
  email_text_input(element, blockId, surface) {
    return simpleInput(element, blockId, surface, { type: "email", class: "bk-input",
      placeholder: plainText(element.placeholder) || null }, "value", element.initial_value);
  },
  url_text_input(element, blockId, surface) {
    return simpleInput(element, blockId, surface, { type: "url", class: "bk-input",
      placeholder: plainText(element.placeholder) || null }, "value", element.initial_value);
  },
  checkboxes(element, blockId, surface) { return choiceList(element, blockId, surface, "checkbox"); },
  radio_buttons(element, blockId, surface) { return choiceList(element, blockId, surface, "radio"); },
  image(element) {
    return el("img", { class: "bk-image-el", src: element.image_url, alt: element.alt_text || "" });
  },
};

function simpleInput(element, blockId, surface, attrs, field, initial, tag = "input") {
  const input = el(tag, { class: "bk-input", ...attrs, "data-action": element.action_id });
  if (initial !== undefined && initial !== null) input.value = initial;
  const read = () => {
    const value = input.value === "" ? null : input.value;
    setState(surface, blockId, element, { [field]: value });
    return value;
  };
  read();
  input.addEventListener("input", read);
  input.addEventListener("change", () => {
    const value = read();
    const dispatches = element.dispatch_action_config || element._dispatch || !surface.inModal;
    if (dispatches && !["plain_text_input", "number_input", "email_text_input", "url_text_input"].includes(element.type)) {
      fire(surface, element, blockId, value);
    }
  });
  if (element.type === "plain_text_input" && element.dispatch_action_config) {
    input.addEventListener("keydown", (e) => { if (e.key === "Enter" && tag === "input") fire(surface, element, blockId, read()); });
  }
  return input;
}

function selectElement(element, blockId, surface, multi) {
  const select = el("select", { class: "bk-select", multiple: multi || null, "data-action": element.action_id });
  if (!multi) select.append(el("option", { value: "", text: plainText(element.placeholder) || "Select an option" }));
  const addOptions = (parent, options) => {
    for (const opt of options || []) parent.append(el("option", { value: opt.value, text: emojify(plainText(opt.text)) }));
  };
  addOptions(select, element.options);
  for (const group of element.option_groups || []) {
    const g = el("optgroup", { label: plainText(group.label) });
    addOptions(g, group.options);
    select.append(g);
  }
  const initial = multi ? (element.initial_options || []).map((o) => o.value)
    : element.initial_option ? [element.initial_option.value] : [];
  for (const option of select.options) option.selected = initial.includes(option.value);
  const byValue = Object.fromEntries(allOptions(element).map((o) => [o.value, o]));
  const read = () => {
    const chosen = [...select.selectedOptions].map((o) => byValue[o.value]).filter(Boolean);
    setState(surface, blockId, element, multi ? { selected_options: chosen } : { selected_option: chosen[0] || null });
    return multi ? chosen.map((o) => o.value) : (chosen[0] ? chosen[0].value : null);
  };
  read();
  select.addEventListener("change", () => {
    const value = read();
    if (!surface.inModal || element._dispatch) fire(surface, element, blockId, value);
  });
  return select;
}

function externalSelect(element, blockId, surface, multi) {
  const chosen = multi ? [...(element.initial_options || [])] : element.initial_option ? [element.initial_option] : [];
  const wrap = el("div", { class: "external" });
  const chips = el("div", { class: "chips" });
  const input = el("input", { class: "bk-input", type: "text", autocomplete: "off", "data-action": element.action_id,
                              placeholder: plainText(element.placeholder) || "Type to search" });
  const list = el("div", { class: "suggestions hidden" });
  const sync = () => {
    chips.replaceChildren(...(multi ? chosen : []).map((opt, i) => el("span", { class: "chip" }, el("span", { html: optionLabel(opt) }),
      el("button", { type: "button", class: "chip-x", "aria-label": "Remove", text: "×",
                     onclick: () => { chosen.splice(i, 1); sync(); } }))));
    if (!multi) input.value = chosen[0] ? plainText(chosen[0].text) : input.value;
    setState(surface, blockId, element, multi ? { selected_options: chosen } : { selected_option: chosen[0] || null });
  };
  let timer = null;
  const search = async () => {
    const text = input.value;
    if (text.length < (element.min_query_length ?? 1)) { list.classList.add("hidden"); return; }
    const answer = await surface.suggest(element, blockId, text);
    const options = [...(answer.options || [])];
    for (const group of answer.option_groups || []) options.push(...(group.options || []));
    list.replaceChildren(...(options.length ? options.map((opt) => el("button", {
      type: "button", class: "suggestion", html: optionLabel(opt),
      onclick: () => {
        if (multi) { chosen.push(opt); input.value = ""; } else { chosen.splice(0, chosen.length, opt); }
        list.classList.add("hidden");
        sync();
        if (!surface.inModal || element._dispatch) fire(surface, element, blockId, [opt.value, plainText(opt.text)]);
      },
    })) : [el("div", { class: "suggestion empty", text: "No matches" })]));
    list.classList.remove("hidden");
  };
  input.addEventListener("input", () => {
    if (!multi && chosen.length) { chosen.length = 0; setState(surface, blockId, element, { selected_option: null }); }
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  sync();
  wrap.append(chips, input, list);
  return wrap;
}

function directorySelect(element, blockId, surface, kind) {
  const multi = kind.endsWith("s");
  const single = multi ? kind.slice(0, -1) : kind;
  const field = (multi ? "selected_" : "selected_") + (single === "user" ? "user" : single === "channel" ? "channel" : "conversation") + (multi ? "s" : "");
  const entries = single === "user"
    ? Object.values(surface.ctx.people).map((p) => [p.id, p.name])
    : Object.entries(surface.ctx.channels).map(([id, name]) => [id, "#" + name]);
  const select = el("select", { class: "bk-select", multiple: multi || null, "data-action": element.action_id });
  if (!multi) select.append(el("option", { value: "", text: plainText(element.placeholder) || "Select" }));
  for (const [id, name] of entries) select.append(el("option", { value: id, text: name }));
  const initial = element["initial_" + field.replace("selected_", "")];
  const initialList = Array.isArray(initial) ? initial : initial ? [initial] : [];
  for (const option of select.options) option.selected = initialList.includes(option.value);
  const read = () => {
    const values = [...select.selectedOptions].map((o) => o.value).filter(Boolean);
    setState(surface, blockId, element, { [field]: multi ? values : values[0] || null });
    return multi ? values : values[0] || null;
  };
  read();
  select.addEventListener("change", () => { const v = read(); if (!surface.inModal || element._dispatch) fire(surface, element, blockId, v); });
  return select;
}

function choiceList(element, blockId, surface, type) {
  const name = `${blockId}-${element.action_id}-${Math.random().toString(36).slice(2)}`;
  const initial = type === "checkbox" ? (element.initial_options || []).map((o) => o.value)
    : element.initial_option ? [element.initial_option.value] : [];
  const boxes = [];
  const wrap = el("div", { class: "choices", "data-action": element.action_id });
  const read = () => {
    const chosen = boxes.filter(([box]) => box.checked).map(([, opt]) => opt);
    setState(surface, blockId, element, type === "checkbox" ? { selected_options: chosen } : { selected_option: chosen[0] || null });
    return type === "checkbox" ? chosen.map((o) => o.value) : chosen[0] ? chosen[0].value : null;
  };
  for (const opt of element.options || []) {
    const box = el("input", { type, name, value: opt.value, checked: initial.includes(opt.value) || null });
    box.addEventListener("change", () => { const v = read(); if (!surface.inModal || element._dispatch) fire(surface, element, blockId, v); });
    boxes.push([box, opt]);
    wrap.append(el("label", { class: "choice" }, box, el("span", { html: textHtml(opt.text, surface.ctx) }),
      opt.description ? el("div", { class: "choice-desc", html: textHtml(opt.description, surface.ctx) }) : null));
  }
  read();
  return wrap;
}

function renderElement(element, blockId, surface) {
  const renderer = RENDERERS[element.type];
  if (!renderer) return el("span", { class: "unsupported", text: `[${element.type}]` });
  return renderer(element, blockId, surface);
}

// ---------------------------------------------------------------- blocks

let autoBlock = 0;

function renderBlock(block, surface, errors) {
  const blockId = block.block_id || `auto-${++autoBlock}`;
  const ctx = surface.ctx;
  switch (block.type) {
    case "header":
      return el("div", { class: "bk-header", html: textHtml(block.text, ctx) });
    case "divider":
      return el("hr", { class: "bk-divider" });
    case "section": {
      const body = el("div", { class: "bk-section-body" });
      if (block.text) body.append(el("div", { class: "bk-text", html: textHtml(block.text, ctx) }));
      if (block.fields) {
        body.append(el("div", { class: "bk-fields" },
          block.fields.map((f) => el("div", { class: "bk-field", html: textHtml(f, ctx) }))));
      }
      const section = el("div", { class: "bk-section", "data-block": blockId }, body);
      if (block.accessory) {
        const acc = block.accessory.type === "image"
          ? el("img", { class: "bk-accessory-image", src: block.accessory.image_url, alt: block.accessory.alt_text || "" })
          : renderElement(block.accessory, blockId, surface);
        section.append(el("div", { class: "bk-accessory" }, acc));
      }
      return section;
    }
    case "actions":
      return el("div", { class: "bk-actions", "data-block": blockId },
        (block.elements || []).map((e) => renderElement({ ...e, _dispatch: true }, blockId, surface)));
    case "context":
      return el("div", { class: "bk-context" }, (block.elements || []).map((e) => e.type === "image"
        ? el("img", { class: "bk-context-image", src: e.image_url, alt: e.alt_text || "" })
        : el("span", { html: textHtml(e, ctx) })));
    case "image":
      return el("figure", { class: "bk-image" },
        block.title ? el("figcaption", { html: textHtml(block.title, ctx) }) : null,
        el("img", { src: block.image_url, alt: block.alt_text || "" }));
    case "input": {
      const element = { ...block.element, _dispatch: !!block.dispatch_action };
      const error = errors && errors[blockId];
      return el("div", { class: "bk-input-block" + (error ? " has-error" : ""), "data-block": blockId },
        el("label", { class: "bk-label" }, el("span", { html: textHtml(block.label, ctx) }),
          block.optional ? el("span", { class: "optional", text: " (optional)" }) : null),
        renderElement(element, blockId, surface),
        error ? el("div", { class: "bk-error", role: "alert", text: error }) : null,
        block.hint ? el("div", { class: "bk-hint", html: textHtml(block.hint, ctx) }) : null);
    }
    case "rich_text":
      return el("div", { class: "bk-text", html: mrkdwn(richText(block), ctx) });
    case "markdown":
      return el("div", { class: "bk-text", html: mrkdwn(block.text || "", ctx) });
    default:
      return el("div", { class: "unsupported", text: `[${block.type} block]` });
  }
}

function richText(block) {
  const walk = (node) => {
    if (!node) return "";
    if (node.type === "text") return node.text || "";
    if (node.type === "link") return `<${node.url}|${node.text || node.url}>`;
    if (node.type === "user") return `<@${node.user_id}>`;
    if (node.type === "emoji") return `:${node.name}:`;
    return (node.elements || []).map(walk).join(node.type === "rich_text_list" ? "\n" : "");
  };
  return walk(block);
}

function render(blocks, surface, errors) {
  return (blocks || []).map((b) => renderBlock(b, surface, errors));
}

window.BlockKit = { render, mrkdwn, textHtml, plainText, el, esc, emojify, formatDateToken };
})();
