// The simulator's playground: a person picks a guild, a channel and a member, types a slash
// command or a message, and sees the bot's answers drawn like Discord draws them. Everything
// goes through the control API (/_sim/...), so the page does nothing a script could not.
'use strict';

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const POLL_MS = 1000;
const STATE_MS = 4000;
const TEXT_CHANNELS = new Set([0, 5]); // guild text and announcement channels

const $ = (id) => document.getElementById(id);

// Script errors are kept where the browser tests can read them: a page that throws must not
// pass because the element a test waits for happened to be drawn first.
window.playgroundErrors = [];
window.addEventListener('error', (ev) => window.playgroundErrors.push(String(ev.message)));
window.addEventListener('unhandledrejection', (ev) => window.playgroundErrors.push(String(ev.reason)));

const ui = {
  state: null,
  guildId: '',
  channelId: '',
  userId: '',
  // dm is set while the acting member talks to the bot in their DM; its channel id is
  // learned from the first answer there (dmChannels: user id → channel id).
  dm: false,
  dmChannels: new Map(),
  // Ephemeral messages are never in a channel's history: the page keeps those it was given,
  // by message id, and updates them when a click edits them.
  ephemeral: new Map(),
  // What was typed for each interaction, to show "player1 used /headpat" above the answer.
  invocations: new Map(),
  // Errors from the control API, shown in the channel they happened in.
  notes: [],
  history: [],
  drawn: new Map(), // message id → {key, el}
  stateSig: '',
  pollTimer: 0,
  pollGen: 0,
  suggestion: -1,
  // Whether the channel follows new messages: true until the person scrolls up.
  stick: true,
  autoTop: -1,
};

// ---------------------------------------------------------------------------------------
// Control API

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = {};
  try {
    data = await res.json();
  } catch {
    // A proxy's HTML error page: keep the status.
  }
  if (!res.ok && !data.error) data.error = `${res.status} ${res.statusText}`;
  return data;
}

// ---------------------------------------------------------------------------------------
// Lookups over /_sim/state

function guild() {
  return ui.state?.guilds?.find((g) => g.id === ui.guildId);
}

function member(id) {
  return guild()?.members.find((m) => m.id === id);
}

function role(id) {
  return guild()?.roles.find((r) => r.id === id);
}

function channel(id) {
  for (const g of ui.state?.guilds ?? []) {
    const c = g.channels.find((c) => c.id === id);
    if (c) return c;
  }
  return undefined;
}

function displayName(id, fallback) {
  const m = member(id);
  if (m) return m.nick || m.global_name || m.username;
  if (ui.state && id === ui.state.application.bot_user_id) return ui.state.application.bot_name;
  return fallback || 'unknown-user';
}

function hex(color) {
  return color ? '#' + color.toString(16).padStart(6, '0') : '';
}

// A member's colour is that of their highest coloured role, as Discord shows it.
function memberColor(id) {
  const m = member(id);
  if (!m) return '';
  const roles = m.roles.map(role).filter((r) => r && r.color).sort((a, b) => b.position - a.position);
  return roles.length ? hex(roles[0].color) : '';
}

function avatarColor(id) {
  const palette = ['#5865f2', '#757e8a', '#3ba55c', '#faa61a', '#ed4245', '#eb459e'];
  let n = 0;
  for (const ch of String(id)) n = (n * 31 + ch.charCodeAt(0)) % 9973;
  return palette[n % palette.length];
}

function snowflakeLess(a, b) {
  return a.length !== b.length ? a.length < b.length : a < b;
}

// ---------------------------------------------------------------------------------------
// DOM helpers

function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function avatar(id, name, size = '') {
  return h('span', { class: `avatar ${size}`, style: `--c:${avatarColor(id)}` }, (name || '?').slice(0, 1).toUpperCase());
}

function roleChip(r) {
  return h('span', { class: 'role', style: `--c:${hex(r.color) || '#99aab5'}` }, r.name);
}

function safeURL(u) {
  if (!u) return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

// media draws an image; the machine running the playground often has no internet, so a
// picture that cannot load becomes a framed note of where it lives instead of a broken icon.
// stickDown keeps the newest message in view while the person has not scrolled away; content
// grows after a render too (pictures load), so media calls it as well.
function stickDown() {
  const box = $('messages');
  if (!ui.stick) return;
  box.scrollTop = box.scrollHeight;
  ui.autoTop = box.scrollTop;
}

function media(url, cls) {
  const src = safeURL(url);
  const missing = () => {
    let where = url;
    try {
      const p = new URL(url);
      where = p.host + p.pathname;
    } catch {
      // keep the raw text
    }
    requestAnimationFrame(stickDown);
    return h('div', { class: `${cls} media-missing`, title: url }, 'image: ' + where);
  };
  if (!src) return missing();
  const img = h('img', { class: cls, src, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.replaceWith(missing()));
  img.addEventListener('load', stickDown);
  return img;
}

// ---------------------------------------------------------------------------------------
// Discord's markdown, on escaped text

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function inline(s) {
  // s is escaped: < and > appear as &lt; and &gt;. Mentions, timestamps and links become HTML
  // first and are set aside, so the styling rules below never touch their markup or URLs.
  const kept = [];
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  return s
    .replace(/&lt;@!?(\d+)&gt;/g, (_, id) => keep(`<span class="mention">@${escapeHTML(displayName(id))}</span>`))
    .replace(/&lt;@&amp;(\d+)&gt;/g, (_, id) => {
      const r = role(id);
      const c = r && r.color ? hex(r.color) : '';
      return keep(`<span class="mention"${c ? ` style="color:${c};background:${c}33"` : ''}>@${escapeHTML(r ? r.name : 'deleted-role')}</span>`);
    })
    .replace(/&lt;#(\d+)&gt;/g, (_, id) => keep(`<span class="mention">#${escapeHTML(channel(id)?.name ?? 'unknown')}</span>`))
    .replace(/&lt;a?:(\w+):\d+&gt;/g, ':$1:')
    .replace(/&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;/g, (_, ts, style) => {
      const d = new Date(Number(ts) * 1000);
      return keep(`<time>${escapeHTML(style === 'R' ? relative(d) : d.toLocaleString())}</time>`);
    })
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_, text, url) => keep(`<a href="${url}" target="_blank" rel="noreferrer">${text}</a>`))
    .replace(/(^|[\s(])(https?:\/\/[^\s<\u0000]+)/g, (_, pre, url) => pre + keep(`<a href="${url}" target="_blank" rel="noreferrer">${url}</a>`))
    .replace(/\*\*\*(.+?)\*\*\*/g, '<b><i>$1</i></b>')
    .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
    .replace(/__(.+?)__/g, '<u>$1</u>')
    .replace(/(^|[^\w*])\*(?!\s)(.+?)\*(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^\w])_(?!\s)(.+?)_(?!\w)/g, '$1<i>$2</i>')
    .replace(/~~(.+?)~~/g, '<s>$1</s>')
    .replace(/\|\|(.+?)\|\|/g, '<span class="spoiler">$1</span>')
    .replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
}

function relative(d) {
  const s = Math.round((d - Date.now()) / 1000);
  const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const abs = Math.abs(s);
  if (abs < 60) return fmt.format(s, 'second');
  if (abs < 3600) return fmt.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return fmt.format(Math.round(s / 3600), 'hour');
  return fmt.format(Math.round(s / 86400), 'day');
}

// markdown turns message text into HTML: code first (its content is left alone), then block
// quotes, headings and subtext per line, then inline styles.
function markdown(text) {
  const parts = String(text ?? '').split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) {
        if (part.startsWith('```')) {
          const body = part.slice(3, -3).replace(/^\w*\n/, '');
          return `<pre><code>${escapeHTML(body)}</code></pre>`;
        }
        return `<code>${escapeHTML(part.slice(1, -1))}</code>`;
      }
      return escapeHTML(part)
        .split('\n')
        .map((line) => {
          let m;
          if ((m = line.match(/^&gt; (.*)$/))) return `<blockquote>${inline(m[1])}</blockquote>`;
          if ((m = line.match(/^(#{1,3}) (.*)$/))) return `<h${m[1].length}>${inline(m[2])}</h${m[1].length}>`;
          if ((m = line.match(/^-# (.*)$/))) return `<span class="subtext">${inline(m[1])}</span>`;
          return inline(line);
        })
        .join('\n')
        .replace(/<\/(blockquote|h[123])>\n/g, '</$1>');
    })
    .join('');
}

function rich(tag, cls, text) {
  const el = h(tag, { class: cls });
  el.innerHTML = markdown(text);
  return el;
}

// ---------------------------------------------------------------------------------------
// Messages

function drawEmbed(e) {
  const main = h('div', { class: 'embed-main' });
  if (e.author?.name) {
    main.append(h('div', { class: 'embed-author' }, e.author.icon_url ? media(e.author.icon_url, '') : null,
      safeURL(e.author.url) ? h('a', { href: safeURL(e.author.url), target: '_blank', rel: 'noreferrer' }, e.author.name) : e.author.name));
  }
  if (e.title) {
    const title = rich('div', 'embed-title', e.title);
    if (safeURL(e.url)) {
      const a = h('a', { href: safeURL(e.url), target: '_blank', rel: 'noreferrer' });
      a.append(...title.childNodes);
      title.append(a);
    }
    main.append(title);
  }
  if (e.description) main.append(rich('div', 'embed-desc', e.description));
  if (e.fields?.length) {
    main.append(h('div', { class: 'embed-fields' }, e.fields.map((f) =>
      h('div', { class: 'embed-field' + (f.inline ? ' inline' : '') },
        rich('div', 'embed-field-name', f.name), rich('div', 'embed-field-value', f.value)))));
  }
  if (e.image?.url) main.append(media(e.image.url, 'embed-image'));
  const el = h('div', { class: 'embed', style: e.color ? `--c:${hex(e.color)}` : '' }, main);
  if (e.thumbnail?.url) el.append(media(e.thumbnail.url, 'embed-thumb'));
  if (e.footer?.text || e.timestamp) {
    const bits = [e.footer?.text, e.timestamp ? new Date(e.timestamp).toLocaleString() : ''].filter(Boolean);
    el.append(h('div', { class: 'embed-footer' }, e.footer?.icon_url ? media(e.footer.icon_url, '') : null, bits.join(' • ')));
  }
  return el;
}

// Choices for the select menus whose options Discord fills in itself.
function autoOptions(type) {
  const g = guild();
  if (!g) return [];
  const users = g.members.map((m) => ({ value: m.id, label: (m.bot ? '🤖 ' : '@') + (m.nick || m.global_name || m.username) }));
  const roles = g.roles.filter((r) => r.name !== '@everyone').map((r) => ({ value: r.id, label: '@' + r.name }));
  switch (type) {
    case 5: return users;
    case 6: return roles;
    case 7: return [...users, ...roles];
    case 8: return g.channels.map((c) => ({ value: c.id, label: '#' + c.name }));
  }
  return [];
}

function drawComponent(c, msg) {
  switch (c.type) {
    case 1: // action row
      return h('div', { class: 'row' }, (c.components ?? []).map((k) => drawComponent(k, msg)));
    case 2: { // button
      const label = [c.emoji?.name, c.label].filter(Boolean).join(' ');
      if (c.style === 5) {
        return h('a', { class: 'btn style-5', href: safeURL(c.url) ?? '#', target: '_blank', rel: 'noreferrer' }, label, ' ↗');
      }
      const b = h('button', { type: 'button', class: `btn style-${c.style || 2}`, disabled: c.disabled, 'data-custom-id': c.custom_id }, label);
      b.addEventListener('click', () => click(msg, c, [], b));
      return b;
    }
    case 3: case 5: case 6: case 7: case 8: { // select menus
      const max = c.max_values ?? 1;
      const options = c.type === 3 ? c.options ?? [] : autoOptions(c.type);
      const sel = h('select', { 'data-custom-id': c.custom_id, disabled: c.disabled, multiple: max > 1, size: max > 1 ? Math.min(options.length, 5) : undefined },
        max > 1 ? null : h('option', { value: '', disabled: true, selected: true }, c.placeholder || 'Make a selection'),
        options.map((o) => h('option', { value: o.value, selected: o.default && max > 1 }, [o.emoji?.name, o.label].filter(Boolean).join(' '))));
      const wrap = h('div', { class: 'select' }, sel);
      const send = (btn) => click(msg, c, [...sel.selectedOptions].map((o) => o.value).filter(Boolean), btn);
      if (max > 1) {
        const btn = h('button', { type: 'button', class: 'btn style-1' }, 'Choose');
        btn.addEventListener('click', () => send(btn));
        wrap.append(btn);
      } else {
        sel.addEventListener('change', () => send(sel));
      }
      return h('div', { class: 'row' }, wrap);
    }
    // Components v2, drawn plainly.
    case 9:
      return h('div', { class: 'section' }, h('div', {}, (c.components ?? []).map((k) => drawComponent(k, msg))),
        c.accessory ? drawComponent(c.accessory, msg) : null);
    case 10:
      return rich('div', 'content', c.content);
    case 11:
      return media(c.media?.url ?? '', 'embed-thumb');
    case 12:
      return h('div', { class: 'gallery' }, (c.items ?? []).map((it) => media(it.media?.url ?? '', '')));
    case 14:
      return h('hr', { class: 'separator' + (c.divider === false ? ' space' : '') });
    case 17:
      return h('div', { class: 'container', style: c.accent_color ? `--c:${hex(c.accent_color)}` : '' },
        (c.components ?? []).map((k) => drawComponent(k, msg)));
  }
  return null;
}

function drawMessage(m) {
  const bot = m.author?.bot;
  const name = bot ? m.author.global_name || m.author.username : displayName(m.author.id, m.author.username);
  const el = h('article', { class: 'msg' + (m.flags & EPHEMERAL ? ' ephemeral' : ''), 'data-id': m.id });
  const inv = m.interaction_id && ui.invocations.get(m.interaction_id);
  if (inv) {
    el.append(h('div', { class: 'context' }, avatar(inv.userId, displayName(inv.userId), 'tiny'),
      h('b', {}, displayName(inv.userId)), ' used ', h('span', { class: 'cmd' }, inv.text.split(/\s/)[0])));
  } else if (m.message_reference?.message_id) {
    const ref = ui.history.find((x) => x.id === m.message_reference.message_id);
    el.append(h('div', { class: 'context' }, '↱ ',
      ref ? [h('b', {}, '@' + displayName(ref.author.id, ref.author.username)), ' ', rich('span', '', ref.content.slice(0, 80))] : 'a message'));
  }
  el.append(avatar(m.author.id, name));
  el.append(h('div', { class: 'head' },
    h('span', { class: 'author', style: memberColor(m.author.id) ? `color:${memberColor(m.author.id)}` : '' }, name),
    bot ? h('span', { class: 'tag' }, 'APP') : null,
    h('time', { datetime: m.timestamp }, new Date(m.timestamp || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }))));
  if (m.flags & LOADING) {
    el.append(h('div', { class: 'thinking' }, `${name} is thinking`));
  } else if (m.content) {
    const content = rich('div', 'content', m.content);
    if (m.edited_timestamp) content.append(h('span', { class: 'edited', title: m.edited_timestamp }, '(edited)'));
    el.append(content);
  } else if (m.edited_timestamp) {
    el.append(h('span', { class: 'edited' }, '(edited)'));
  }
  for (const e of m.embeds ?? []) el.append(drawEmbed(e));
  for (const a of m.attachments ?? []) el.append(media(a.url, 'embed-image'));
  for (const c of m.components ?? []) {
    const d = drawComponent(c, m);
    if (d) el.append(d);
  }
  if (m.flags & EPHEMERAL) {
    const dismiss = h('a', {}, 'Dismiss message');
    dismiss.addEventListener('click', () => {
      ui.ephemeral.delete(m.id);
      render();
    });
    el.append(h('div', { class: 'ephemeral-note' }, 'Only you can see this • ', dismiss));
  }
  return el;
}

function drawNote(n) {
  return h('article', { class: 'msg system', 'data-id': n.id }, '⚠ ', n.text);
}

// render draws the channel: its history, the ephemeral messages the acting user was shown
// there and the page's notes, in time order. A message is redrawn only when it changed (an
// edit), so a select menu a person is using is left alone.
function render() {
  const box = $('messages');
  const items = [
    ...ui.history.map((m) => ({ id: m.id, m })),
    ...[...ui.ephemeral.values()].filter((m) => m.channel_id === ui.channelId && m.viewer === ui.userId).map((m) => ({ id: m.id, m })),
    ...ui.notes.filter((n) => n.channelId === ui.channelId).map((n) => ({ id: n.id, n })),
  ].sort((a, b) => (snowflakeLess(a.id, b.id) ? -1 : a.id === b.id ? 0 : 1));
  const seen = new Set();
  let prev = null;
  for (const it of items) {
    seen.add(it.id);
    const key = JSON.stringify(it.m ?? it.n) + (it.m?.interaction_id && ui.invocations.has(it.m.interaction_id) ? '+' : '');
    let d = ui.drawn.get(it.id);
    if (!d || d.key !== key) {
      const el = it.m ? drawMessage(it.m) : drawNote(it.n);
      if (d) d.el.replaceWith(el);
      d = { key, el };
      ui.drawn.set(it.id, d);
    }
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== d.el) box.insertBefore(d.el, want);
    prev = d.el;
  }
  for (const [id, d] of ui.drawn) {
    if (!seen.has(id)) {
      d.el.remove();
      ui.drawn.delete(id);
    }
  }
  const empty = box.querySelector('.empty');
  if (!items.length && !empty) box.append(h('div', { class: 'empty' }, 'No messages yet. Say something, or try a slash command.'));
  if (items.length && empty) empty.remove();
  stickDown();
}

function note(text) {
  // Notes sort after everything already there: their ids are "now" as a snowflake.
  const id = String((BigInt(Date.now()) - 1420070400000n) << 22n | BigInt(ui.notes.length & 0xfff));
  ui.notes.push({ id, channelId: ui.channelId, text });
  render();
}

// poll reads the channel's history now and then every POLL_MS. Calling it again (after an
// action) takes over: a poll still waiting for its answer then neither draws nor reschedules.
async function poll() {
  clearTimeout(ui.pollTimer);
  const gen = ++ui.pollGen;
  const cid = ui.channelId;
  if (cid) {
    const res = await api('GET', `/_sim/channels/${cid}/messages`).catch((e) => ({ error: String(e) }));
    if (gen !== ui.pollGen) return;
    if (cid === ui.channelId && res.messages) {
      ui.history = res.messages;
      render();
    }
  }
  ui.pollTimer = setTimeout(poll, POLL_MS);
}

// ---------------------------------------------------------------------------------------
// Acting: commands, clicks and modals

// take handles the control API's answer to anything the user did.
function take(res, context) {
  if (context.dm) {
    const cid = (res.replies ?? []).find((r) => r.channel_id)?.channel_id;
    if (cid) {
      ui.dmChannels.set(context.userId, cid);
      if (ui.dm && ui.userId === context.userId) ui.channelId = cid;
    }
  }
  if (res.interaction_id && context?.text) {
    ui.invocations.set(res.interaction_id, { userId: context.userId, text: context.text });
  }
  for (const r of res.replies ?? []) {
    if (r.kind === 'modal' && r.modal) {
      openModal(r.modal, res.interaction_id);
      continue;
    }
    if (!r.message_id) continue;
    if (r.kind === 'delete') {
      ui.ephemeral.delete(r.message_id);
      continue;
    }
    if (r.ephemeral) {
      const prev = ui.ephemeral.get(r.message_id);
      ui.ephemeral.set(r.message_id, {
        id: r.message_id,
        channel_id: r.channel_id,
        viewer: context.userId,
        author: { id: ui.state.application.bot_user_id, username: ui.state.application.bot_name, bot: true },
        content: r.content,
        embeds: r.embeds,
        components: r.components,
        flags: EPHEMERAL | (r.deferred ? LOADING : 0),
        timestamp: prev?.timestamp ?? new Date().toISOString(),
        edited_timestamp: prev && r.kind === 'edit' ? new Date().toISOString() : undefined,
        interaction_id: prev?.interaction_id ?? res.interaction_id,
      });
    }
  }
  if (res.error) note(res.error);
  poll();
}

// mentionize does what Discord's client does with a typed message: @name and #channel become
// <@id> and <#id>, so the bot's prefix commands see real mentions. Slash command options are
// resolved by the simulator itself.
function mentionize(text) {
  const g = guild();
  if (!g || text.startsWith('/')) return text;
  const same = (a, b) => a && a.toLowerCase() === b.toLowerCase();
  return text
    .replace(/(^|\s)@([\w.-]+)/g, (all, pre, name) => {
      const m = g.members.find((m) => same(m.username, name) || same(m.nick, name) || same(m.global_name, name));
      if (m) return `${pre}<@${m.id}>`;
      const r = g.roles.find((r) => same(r.name, name));
      return r && r.name !== '@everyone' ? `${pre}<@&${r.id}>` : all;
    })
    .replace(/(^|\s)#([\w-]+)/g, (all, pre, name) => {
      const c = g.channels.find((c) => same(c.name, name));
      return c ? `${pre}<#${c.id}>` : all;
    });
}

async function send(text) {
  ui.stick = true;
  text = mentionize(text);
  const userId = ui.userId;
  const body = ui.dm
    ? { dm: true, user_id: userId, text, timeout_ms: 10000 }
    : { guild_id: ui.guildId, channel_id: ui.channelId, user_id: userId, text, timeout_ms: 10000 };
  const res = await api('POST', '/_sim/commands', body).catch((e) => ({ error: String(e) }));
  take(res, { userId, text, dm: ui.dm });
}

async function click(msg, comp, values, el) {
  el?.classList.add('busy');
  const userId = ui.userId;
  const body = { channel_id: msg.channel_id, message_id: msg.id, custom_id: comp.custom_id, user_id: userId, timeout_ms: 10000 };
  if (values.length) body.values = values;
  const res = await api('POST', '/_sim/click', body).catch((e) => ({ error: String(e) }));
  el?.classList.remove('busy');
  // A click answers as the user who clicked; an update of an ephemeral message keeps its slot.
  take(res, { userId });
}

function openModal(modal, interactionId) {
  const body = $('modal-body');
  body.replaceChildren();
  $('modal-title').textContent = modal.title;
  document.querySelector('#modal .modal-app').textContent = ui.state.application.bot_name;
  const inputs = [];
  const field = (c, labelText, description) => {
    const id = 'modal-' + c.custom_id;
    const required = c.required !== false;
    let input;
    if (c.type === 4) {
      input = c.style === 2 ? h('textarea', { id }) : h('input', { id, type: 'text' });
      if (c.placeholder) input.placeholder = c.placeholder;
      if (c.value) input.value = c.value;
      if (c.max_length) input.maxLength = c.max_length;
      if (c.min_length) input.minLength = c.min_length;
      input.required = required;
    } else if (c.type === 3) {
      input = h('select', { id }, (c.options ?? []).map((o) => h('option', { value: o.value }, o.label)));
    } else {
      return null;
    }
    inputs.push({ customId: c.custom_id, input });
    return h('div', {}, h('label', { for: id }, labelText || c.label || c.custom_id, required ? h('span', { class: 'req' }, ' *') : null),
      description ? h('div', { class: 'muted' }, description) : null, input);
  };
  for (const row of modal.components ?? []) {
    if (row.type === 1) for (const c of row.components ?? []) body.append(field(c, c.label) ?? '');
    else if (row.type === 18 && row.component) body.append(field(row.component, row.label, row.description) ?? '');
    else if (row.type === 10) body.append(rich('div', 'content', row.content));
  }
  const backdrop = $('modal-backdrop');
  backdrop.hidden = false;
  inputs[0]?.input.focus();
  const form = $('modal');
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const { customId, input } of inputs) values[customId] = input.value;
    backdrop.hidden = true;
    const res = await api('POST', '/_sim/modal', { interaction_id: interactionId, values, timeout_ms: 10000 }).catch((e) => ({ error: String(e) }));
    take(res, { userId: ui.userId });
  };
  $('modal-cancel').onclick = () => {
    backdrop.hidden = true;
  };
}

// ---------------------------------------------------------------------------------------
// Pickers: guild, channel and acting member

function fillSelect(sel, items, value) {
  sel.replaceChildren(...items.map((it) => h('option', { value: it.value }, it.label)));
  sel.value = value;
}

function drawPickers() {
  const st = ui.state;
  const guilds = st.guilds ?? [];
  $('rail').replaceChildren(...guilds.map((g) => {
    const b = h('button', { class: g.id === ui.guildId ? 'on' : '', title: g.name },
      g.name.split(/\s+/).map((w) => w[0]).join('').slice(0, 3));
    b.addEventListener('click', () => pickGuild(g.id));
    return b;
  }));
  fillSelect($('guild'), guilds.map((g) => ({ value: g.id, label: g.name })), ui.guildId);
  const g = guild();
  if (!g) return;
  const chans = g.channels.filter((c) => TEXT_CHANNELS.has(c.type)).sort((a, b) => a.position - b.position);
  fillSelect($('channel'), chans.map((c) => ({ value: c.id, label: '#' + c.name })), ui.channelId);
  const dmButton = h('button', { class: 'chan' + (ui.dm ? ' on' : ''), role: 'listitem', 'data-dm': true },
    h('span', { class: 'hash' }, '@'), st.application.bot_name);
  dmButton.addEventListener('click', pickDM);
  $('channels').replaceChildren(h('div', { class: 'chan-cat' }, 'Text channels'), ...chans.map((c) => {
    const b = h('button', { class: 'chan' + (!ui.dm && c.id === ui.channelId ? ' on' : ''), role: 'listitem', 'data-channel-id': c.id },
      h('span', { class: 'hash' }, '#'), c.name);
    b.addEventListener('click', () => pickChannel(c.id));
    return b;
  }), h('div', { class: 'chan-cat' }, 'Direct messages'), dmButton);
  const people = g.members.filter((m) => !m.bot);
  fillSelect($('user'), people.map((m) => ({ value: m.id, label: m.nick || m.global_name || m.username })), ui.userId);
  const me = member(ui.userId);
  $('me-avatar').replaceWith(Object.assign(avatar(ui.userId, displayName(ui.userId), 'small'), { id: 'me-avatar' }));
  $('me-roles').replaceChildren(...(me?.roles ?? []).map(role).filter(Boolean).sort((a, b) => b.position - a.position).map(roleChip));
  drawMembers(g);
  const c = ui.dm ? { name: st.application.bot_name, topic: `Your direct messages with ${st.application.bot_name}` } : channel(ui.channelId);
  document.querySelector('#chat .bar .hash').textContent = ui.dm ? '@' : '#';
  $('channel-name').textContent = c?.name ?? '';
  $('channel-topic').textContent = c?.topic ?? '';
  const other = people.find((m) => m.id !== ui.userId && m.id !== g.owner_id) ?? people.find((m) => m.id !== ui.userId);
  $('input').placeholder = `Message ${ui.dm ? '@' : '#'}${c?.name ?? ''}: try /headpat member:@${other?.username ?? 'someone'} or !help`;
  const online = (st.sessions ?? []).some((s) => s.connected);
  const status = $('status');
  status.className = 'status ' + (online ? 'up' : 'down');
  status.textContent = `${st.application.bot_name} ${online ? 'online' : 'offline'}`;
}

function drawMembers(g) {
  const byGroup = new Map();
  for (const m of g.members) {
    // Members are listed under their highest hoisted role, like Discord's member list.
    const hoisted = m.roles.map(role).filter((r) => r && r.hoist).sort((a, b) => b.position - a.position)[0];
    const group = m.bot ? 'Apps' : hoisted ? hoisted.name : 'Members';
    if (!byGroup.has(group)) byGroup.set(group, { pos: m.bot ? -1 : hoisted ? hoisted.position : 0, list: [] });
    byGroup.get(group).list.push(m);
  }
  const groups = [...byGroup.entries()].sort((a, b) => b[1].pos - a[1].pos);
  $('members').replaceChildren(...groups.flatMap(([name, { list }]) => [
    h('div', { class: 'member-group' }, `${name} — ${list.length}`),
    ...list.map((m) => {
      const roles = m.roles.map(role).filter(Boolean).sort((a, b) => b.position - a.position);
      const b = h('button', { class: 'member' + (m.id === ui.userId ? ' on' : ''), 'data-user-id': m.id, disabled: m.bot, title: m.bot ? '' : 'Act as this member' },
        avatar(m.id, m.nick || m.global_name || m.username, 'small'),
        h('div', { class: 'who' },
          h('div', { class: 'name', style: memberColor(m.id) ? `--c:${memberColor(m.id)}` : '' }, m.nick || m.global_name || m.username),
          h('div', { class: 'roles' }, roles.map(roleChip))));
      b.addEventListener('click', () => pickUser(m.id));
      return b;
    }),
  ]));
}

function pickGuild(id) {
  ui.guildId = id;
  ui.dm = false;
  const g = guild();
  const demo = ui.state.demo;
  const chans = g.channels.filter((c) => TEXT_CHANNELS.has(c.type)).sort((a, b) => a.position - b.position);
  ui.channelId = (chans.find((c) => c.name === 'general') ?? chans[0])?.id ?? '';
  const people = g.members.filter((m) => !m.bot);
  const preferred = demo && demo.GuildID === id ? demo.Members?.player1 : undefined;
  ui.userId = people.find((m) => m.id === preferred)?.id ?? people.find((m) => m.id !== g.owner_id)?.id ?? people[0]?.id ?? '';
  ui.history = [];
  ui.stick = true;
  drawPickers();
  render();
  poll();
}

function pickDM() {
  ui.dm = true;
  ui.channelId = ui.dmChannels.get(ui.userId) ?? '';
  ui.history = [];
  ui.stick = true;
  drawPickers();
  render();
  poll();
}

function pickChannel(id) {
  ui.dm = false;
  ui.channelId = id;
  ui.stick = true;
  ui.history = [];
  drawPickers();
  render();
  poll();
}

function pickUser(id) {
  ui.userId = id;
  if (ui.dm) {
    pickDM();
    return;
  }
  drawPickers();
  render();
}

async function loadState() {
  const st = await api('GET', '/_sim/state').catch((e) => ({ error: String(e) }));
  if (st.error) {
    $('status').className = 'status down';
    $('status').textContent = 'simulator unreachable';
    return;
  }
  // Redraw the pickers only when something changed, so an open drop-down stays open.
  const sig = JSON.stringify(st);
  if (sig === ui.stateSig) return;
  ui.stateSig = sig;
  const first = !ui.state;
  ui.state = st;
  if (first || !guild()) {
    const demo = st.demo;
    const g = (st.guilds ?? []).find((g) => demo && g.id === demo.GuildID) ?? (st.guilds ?? [])[0];
    if (g) pickGuild(g.id);
  } else {
    drawPickers();
  }
}

// ---------------------------------------------------------------------------------------
// Composer with command suggestions

function commands() {
  const g = guild();
  return [...new Set([...(g?.commands ?? []), ...(ui.state?.global_commands ?? [])])].sort();
}

function suggest() {
  const list = $('suggest');
  const text = $('input').value;
  const m = text.match(/^\/(\S*)$/);
  const found = m ? commands().filter((c) => c.slice(1).startsWith(m[1].toLowerCase())) : [];
  ui.suggestion = found.length ? Math.max(0, Math.min(ui.suggestion, found.length - 1)) : -1;
  list.hidden = !found.length;
  list.replaceChildren(...found.slice(0, 25).map((c, i) => {
    const li = h('li', { class: i === ui.suggestion ? 'on' : '' }, h('b', {}, c), ' ', h('span', { class: 'muted' }, ui.state.application.bot_name));
    li.addEventListener('mousedown', (ev) => {
      ev.preventDefault();
      complete(c);
    });
    return li;
  }));
}

function complete(cmd) {
  $('input').value = cmd + ' ';
  $('input').focus();
  ui.suggestion = -1;
  suggest();
}

function wire() {
  $('guild').addEventListener('change', (ev) => pickGuild(ev.target.value));
  $('channel').addEventListener('change', (ev) => pickChannel(ev.target.value));
  $('user').addEventListener('change', (ev) => pickUser(ev.target.value));
  const input = $('input');
  input.addEventListener('input', suggest);
  input.addEventListener('keydown', (ev) => {
    const items = $('suggest').querySelectorAll('li');
    if (!items.length || $('suggest').hidden) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      ui.suggestion = (ui.suggestion + (ev.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      suggest();
    } else if (ev.key === 'Tab' || (ev.key === 'Enter' && ui.suggestion >= 0 && !/\s/.test(input.value))) {
      const chosen = items[Math.max(ui.suggestion, 0)].querySelector('b').textContent;
      // Enter on a command typed in full sends it, as Discord does for one without options.
      if (ev.key === 'Enter' && input.value.trim() === chosen) return;
      ev.preventDefault();
      complete(chosen);
    } else if (ev.key === 'Escape') {
      $('suggest').hidden = true;
    }
  });
  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    suggest();
    send(text);
  });
  $('messages').addEventListener('scroll', () => {
    const box = $('messages');
    if (box.scrollTop === ui.autoTop) return; // our own scrolling
    ui.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  $('messages').addEventListener('click', (ev) => {
    if (ev.target.classList.contains('spoiler')) ev.target.classList.toggle('shown');
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') $('modal-backdrop').hidden = true;
  });
}

wire();
loadState().then(() => setInterval(loadState, STATE_MS));
