// The playground's Slack client: who you are, channels, DMs, the Home tab, modals, the composer, time.
// Every click goes to the playground server, which sends RefBot the signed payload Slack would send.
(() => {
"use strict";

const { render, el, textHtml, plainText, mrkdwn } = window.BlockKit;

const ui = {
  me: localStorage.getItem("refbot-playground-me") || "USELLER1",
  view: localStorage.getItem("refbot-playground-view") || "",  // channel id, or "home"
  data: null,
  version: -1,
  modalKey: "",
  modalErrors: null,
  seen: JSON.parse(localStorage.getItem("refbot-playground-seen") || "{}"),
  openThreads: new Set(),
};

const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: ui.me, ...body }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    toast(answer.error || `Something went wrong (HTTP ${response.status}).`, true);
    throw new Error(answer.error || response.statusText);
  }
  return answer;
}

function toast(text, isError) {
  const box = el("div", { class: "toast" + (isError ? " error" : ""), role: "status", text });
  $("toasts").append(box);
  setTimeout(() => box.remove(), isError ? 8000 : 5000);
}

function ctx() {
  const people = Object.fromEntries(ui.data.people.map((p) => [p.id, p]));
  people[ui.data.bot] = { id: ui.data.bot, name: "RefBot" };
  const me = people[ui.me];
  const channels = Object.fromEntries(ui.data.channels.filter((c) => c.kind === "channel").map((c) => [c.id, c.name]));
  return { people, channels, tz: me ? me.tz : "UTC", now: ui.data.now };
}

// ---------------------------------------------------------------- polling

async function poll() {
  for (;;) {
    try {
      const me = ui.me;
      const response = await fetch(`/pg/state?user=${encodeURIComponent(me)}&since=${ui.version}&wait=20`);
      if (!response.ok) throw new Error(response.statusText);
      const data = await response.json();
      if (me !== ui.me) continue;  // switched person while waiting
      ui.data = data;
      ui.version = data.version;
      draw();
      $("offline").classList.add("hidden");
    } catch (err) {
      $("offline").classList.remove("hidden");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function refresh() {
  ui.version = -1;
  fetch(`/pg/state?user=${encodeURIComponent(ui.me)}&since=-1&wait=0`).then((r) => r.json()).then((data) => {
    ui.data = data;
    ui.version = data.version;
    draw();
  });
}

// ---------------------------------------------------------------- drawing

function draw() {
  const data = ui.data;
  if (!data) return;
  const c = ctx();
  const dm = data.channels.find((ch) => ch.kind === "dm");
  if (!ui.view || (ui.view !== "home" && !data.channels.some((ch) => ch.id === ui.view))) ui.view = dm.id;
  drawPeople(data);
  drawClock(data, c);
  drawSidebar(data);
  if (ui.view === "home") drawHome(data, c);
  else drawChannel(data.channels.find((ch) => ch.id === ui.view), c);
  drawModal(data, c);
  const seen = ui.seen[ui.me] || 0;
  const mine = data.people.find((p) => p.id === ui.me);
  if (ui.view !== "home" && ui.view.startsWith("D") && mine) {
    ui.seen[ui.me] = mine.dm_count;
    localStorage.setItem("refbot-playground-seen", JSON.stringify(ui.seen));
  } else if (mine && mine.dm_count > seen) {
    $("nav-dm").classList.add("unread");
  }
}

function drawPeople(data) {
  const select = $("person");
  const options = data.people.map((p) => {
    const fresh = Math.max(0, p.dm_count - (ui.seen[p.id] || 0));
    const label = `${p.name} — ${p.role}` + (fresh && p.id !== ui.me ? ` (${fresh} new)` : "");
    return el("option", { value: p.id, text: label, selected: p.id === ui.me || null });
  });
  select.replaceChildren(...options);
  const me = data.people.find((p) => p.id === ui.me);
  $("whoami").textContent = me ? `${me.title} · ${me.tz}` : "";
}

function drawClock(data, c) {
  const now = new Date(data.now);
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: c.tz, weekday: "short", month: "short", day: "numeric",
                                                hour: "numeric", minute: "2-digit" });
  $("clock").textContent = fmt.format(now);
  $("notices").replaceChildren(...data.notices.slice(-1).map((n) => el("span", { text: n })));
}

function drawSidebar(data) {
  const nav = $("nav");
  const items = [];
  items.push(el("div", { class: "nav-title", text: "Channels" }));
  for (const ch of data.channels.filter((x) => x.kind === "channel")) {
    items.push(navItem(ch.id, `# ${ch.name}`));
  }
  items.push(el("div", { class: "nav-title", text: "Apps" }));
  items.push(navItem("home", "RefBot · Home", "nav-home"));
  const dm = data.channels.find((x) => x.kind === "dm");
  items.push(navItem(dm.id, "RefBot · Messages", "nav-dm"));
  nav.replaceChildren(...items);
}

function navItem(id, label, domId) {
  return el("button", { type: "button", id: domId || null, class: "nav-item" + (ui.view === id ? " active" : ""),
    text: label, onclick: () => selectView(id) });
}

function selectView(id) {
  ui.view = id;
  localStorage.setItem("refbot-playground-view", id);
  if (id === "home") api("/pg/home", {}).catch(() => {});
  draw();
  $("composer-text").focus();
}

function messageSurface(where, c) {
  const state = {};
  return {
    ctx: c, state, inModal: false,
    act: (element, blockId, value) => api("/pg/action", { where, action_id: element.action_id, block_id: blockId,
                                                         value, state }).catch(() => {}),
    suggest: () => Promise.resolve({ options: [] }),
    confirm: confirmDialog,
  };
}

function drawChannel(channel, c) {
  $("title").textContent = channel.kind === "channel" ? `# ${channel.name}` : "RefBot";
  $("subtitle").textContent = channel.kind === "channel"
    ? "Channel asks get a reply in a thread; the weekly leaderboard lands here."
    : "RefBot's messages to you: approvals, contact details, reminders, debrief prompts.";
  $("home").classList.add("hidden");
  $("messages").classList.remove("hidden");
  $("composer").classList.remove("hidden");
  $("composer-text").placeholder = channel.kind === "channel"
    ? "Message #sales, or /reference search bank in Germany" : "/reference search insurance in the US";
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const roots = channel.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = (ts) => channel.messages.filter((m) => m.thread_ts === ts && m.ts !== ts);
  const nodes = roots.map((m) => {
    const node = drawMessage(m, channel, c);
    const thread = replies(m.ts);
    if (thread.length) {
      node.append(el("div", { class: "thread" }, thread.map((r) => drawMessage(r, channel, c))));
    }
    if (channel.kind === "channel") {
      node.append(el("button", { type: "button", class: "reply-link", text: thread.length ? "Reply in thread" : "Reply",
        onclick: () => replyInThread(channel.id, m.ts) }));
    }
    return node;
  });
  if (!nodes.length) nodes.push(el("div", { class: "empty", text: channel.kind === "dm"
    ? "Nothing here yet. Try /reference search bank in Germany below, or /reference help."
    : "Nothing here yet. Ask the channel, e.g. “anyone have a bank in Germany I can call?”" }));
  list.replaceChildren(...nodes);
  if (atBottom || ui.scrollNext) list.scrollTop = list.scrollHeight;
  ui.scrollNext = false;
}

function drawMessage(m, channel, c) {
  const author = m.kind !== "user" ? "RefBot" : (c.people[m.user] || { name: m.user }).name;
  const where = m.kind === "ephemeral" ? { type: "ephemeral", id: m.id } : { type: "message", channel: channel.id, ts: m.ts };
  const surface = messageSurface(where, c);
  const at = m.at ? new Intl.DateTimeFormat("en-US", { timeZone: c.tz, hour: "numeric", minute: "2-digit" }).format(new Date(m.at)) : "";
  const body = m.blocks && m.blocks.length ? el("div", { class: "blocks" }, render(m.blocks, surface))
    : el("div", { class: "bk-text", html: mrkdwn(m.text, c) });
  return el("div", { class: `message ${m.kind}`, "data-ts": m.ts },
    el("div", { class: "avatar " + (m.kind === "user" ? "person" : "bot"), text: author.slice(0, 1) }),
    el("div", { class: "message-body" },
      el("div", { class: "message-meta" }, el("b", { text: author }),
        m.kind !== "user" ? el("span", { class: "app-tag", text: "APP" }) : null,
        el("span", { class: "time", text: at }),
        m.edited ? el("span", { class: "edited", text: "(edited)" }) : null,
        m.kind === "ephemeral" ? el("span", { class: "only-you", text: "Only visible to you" }) : null),
      body));
}

function replyInThread(channelId, ts) {
  const text = window.prompt("Reply in thread:");
  if (text && text.trim()) api("/pg/reply", { channel: channelId, text, thread_ts: ts }).catch(() => {});
}

function drawHome(data, c) {
  $("title").textContent = "RefBot · Home";
  $("subtitle").textContent = "Your requests, approvals waiting for you, and the program at a glance.";
  $("composer").classList.add("hidden");
  $("messages").replaceChildren();
  $("messages").classList.add("hidden");
  const home = $("home");
  home.classList.remove("hidden");
  if (!data.home) {
    home.replaceChildren(el("div", { class: "empty", text: "Opening your Home tab…" }));
    return;
  }
  const key = `${data.home.id}:${data.home.hash}`;
  if (home.dataset.key === key && home.dataset.me === ui.me) return;
  home.dataset.key = key;
  home.dataset.me = ui.me;
  const state = {};
  const surface = {
    ctx: c, state, inModal: false,
    act: (element, blockId, value) => api("/pg/action", { where: { type: "home", view_id: data.home.id },
      action_id: element.action_id, block_id: blockId, value, state }).catch(() => {}),
    suggest: () => Promise.resolve({ options: [] }),
    confirm: confirmDialog,
  };
  home.replaceChildren(...render(data.home.blocks, surface));
}

// ---------------------------------------------------------------- modals

function drawModal(data, c) {
  const layer = $("modal-layer");
  const view = data.modal;
  if (!view) {
    layer.classList.add("hidden");
    layer.replaceChildren();
    ui.modalKey = "";
    return;
  }
  const key = `${view.id}:${view.hash}`;
  if (key === ui.modalKey && !ui.modalErrorsChanged) return;
  if (key !== ui.modalKey) ui.modalErrors = null;
  ui.modalKey = key;
  ui.modalErrorsChanged = false;
  const state = {};
  const surface = {
    ctx: c, state, inModal: true,
    act: (element, blockId, value) => api("/pg/action", { where: { type: "view", view_id: view.id },
      action_id: element.action_id, block_id: blockId, value, state }).catch(() => {}),
    suggest: (element, blockId, text) => api("/pg/suggest", { view_id: view.id, action_id: element.action_id,
      block_id: blockId, value: text }).catch(() => ({ options: [] })),
    confirm: confirmDialog,
  };
  const submit = async () => {
    const button = layer.querySelector(".modal-submit");
    if (button) button.disabled = true;
    try {
      const answer = await api("/pg/submit", { view_id: view.id, state: inputState(view, state) });
      if (answer.errors) {
        ui.modalErrors = answer.errors;
        ui.modalErrorsChanged = true;
        drawModal(ui.data, ctx());
      }
    } catch (err) { /* shown as a toast */ } finally { if (button) button.disabled = false; }
  };
  const close = () => api("/pg/close", { view_id: view.id }).catch(() => {});
  const form = el("form", { class: "modal", role: "dialog", "aria-label": plainText(view.title),
                            onsubmit: (e) => { e.preventDefault(); submit(); } },
    el("div", { class: "modal-head" },
      data.modal_depth > 1 ? el("span", { class: "modal-back", text: "‹" }) : null,
      el("h2", { html: textHtml(view.title, c) }),
      el("button", { type: "button", class: "modal-x", "aria-label": "Close", text: "×", onclick: close })),
    el("div", { class: "modal-body" }, render(view.blocks, surface, ui.modalErrors)),
    el("div", { class: "modal-foot" },
      el("button", { type: "button", class: "bk-button", html: textHtml(view.close || { type: "plain_text", text: "Cancel" }, c),
                     onclick: close }),
      view.submit ? el("button", { type: "submit", class: "bk-button primary modal-submit", html: textHtml(view.submit, c) }) : null));
  layer.replaceChildren(form);
  layer.classList.remove("hidden");
  const first = form.querySelector(".modal-body input, .modal-body select, .modal-body textarea");
  if (first && !ui.modalErrors) first.focus();
}

function inputState(view, state) {
  // view_submission state: the values of the input blocks (Slack leaves actions-block elements out)
  const ids = new Set((view.blocks || []).filter((b) => b.type === "input").map((b) => b.block_id));
  return Object.fromEntries(Object.entries(state).filter(([blockId]) => ids.has(blockId)));
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const c = ctx();
    const layer = $("confirm-layer");
    const done = (ok) => { layer.classList.add("hidden"); layer.replaceChildren(); resolve(ok); };
    layer.replaceChildren(el("div", { class: "modal confirm", role: "alertdialog" },
      el("div", { class: "modal-head" }, el("h2", { html: textHtml(confirm.title || { type: "plain_text", text: "Are you sure?" }, c) })),
      el("div", { class: "modal-body bk-text", html: textHtml(confirm.text, c) }),
      el("div", { class: "modal-foot" },
        el("button", { type: "button", class: "bk-button", html: textHtml(confirm.deny || { type: "plain_text", text: "Cancel" }, c), onclick: () => done(false) }),
        el("button", { type: "button", class: "bk-button " + (confirm.style || "primary"), html: textHtml(confirm.confirm || { type: "plain_text", text: "Yes" }, c), onclick: () => done(true) }))));
    layer.classList.remove("hidden");
  });
}

// ---------------------------------------------------------------- controls

function setup() {
  $("person").addEventListener("change", (e) => {
    ui.me = e.target.value;
    localStorage.setItem("refbot-playground-me", ui.me);
    ui.modalKey = "";
    $("home").dataset.key = "";
    if (ui.view !== "home" && ui.view.startsWith("D")) ui.view = "D" + ui.me.slice(1);
    refresh();
    if (ui.view === "home") api("/pg/home", {}).catch(() => {});
  });
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const box = $("composer-text");
    const text = box.value;
    if (!text.trim()) return;
    box.disabled = true;
    try {
      await api("/pg/compose", { channel: ui.view, text });
      box.value = "";
      ui.scrollNext = true;
    } catch (err) { /* toast shown */ } finally { box.disabled = false; box.focus(); }
  });
  for (const button of document.querySelectorAll("[data-step]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const answer = await api("/pg/time", { step: button.dataset.step });
        toast(answer.notice);
      } catch (err) { /* toast shown */ } finally { button.disabled = false; }
    });
  }
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && ui.data && ui.data.modal) api("/pg/close", { view_id: ui.data.modal.id }).catch(() => {});
  });
  if (ui.view === "home") api("/pg/home", {}).catch(() => {});
  poll();
}

setup();
})();
