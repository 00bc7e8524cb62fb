// The right pane: one open chat. Messages load newest first and page back on scroll
// (before=<oldest id>); new ones arrive on user-{chatId}-messages, deduplicated by id, and a
// subscription that could not recover its history catches up with after=<newest id>. Sends
// are idempotent (client_message_id), typing goes out throttled and comes in on chat.{chatId},
// read marks go out for what arrives while the chat is on screen.

import { state, on, emit, chatById, presenceFromUser } from './state.js';
import { el, fill, icon, avatar, presenceText, dayLabel, dayKey, toast, randomId } from './view.js';

const $ = (id) => document.getElementById(id);
const PAGE = 30;
const TYPING_EVERY_MS = 3000; // re-announce "typing" at most this often
const TYPING_IDLE_MS = 4000; // announce "stopped" after this long without a keystroke
const TYPING_SHOWN_MS = 6000; // forget a companion's "typing" that was never withdrawn
const NEAR_BOTTOM_PX = 96;

let chat = null;

export function initConversation() {
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  const text = $('text');
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  text.addEventListener('input', () => {
    autosize();
    typed();
  });
  $('messages').addEventListener('scroll', onScroll, { passive: true });
  $('back').addEventListener('click', () => emit('close'));
  $('jump').addEventListener('click', () => scrollToBottom(true));
  document.addEventListener('visibilitychange', markRead);
  on('presence', (userId) => chat && userId === chat.companion.id && renderHead());
  on('typing', (chatId) => chat && chatId === chat.id && renderHead());
  on('chats', applyReadTicks);
  text.maxLength = state.config ? state.config.text_max : 4000;
}

export function openChat(chatId, companion) {
  if (chat && chat.id === chatId) return;
  closeChat();
  chat = {
    id: chatId,
    companion,
    messages: new Map(),
    pending: new Map(),
    nodes: new Map(),
    hasMore: false,
    loaded: false,
    loadingOlder: false,
    readUpTo: 0,
    catchUpAfterLoad: false,
    typingSentAt: 0,
    typingIdle: null,
  };
  state.openChatId = chatId;
  $('placeholder').hidden = true;
  $('chat').hidden = false;
  document.body.classList.add('chat-open');
  $('text').value = '';
  autosize();
  renderHead();
  renderMessages();
  emit('open', chatId);
  const opened = chat;
  if (state.live) {
    state.live.subscribe(`user-${chatId}-messages`, (m) => opened === chat && accept([m], true), onSubscribed);
    state.live.subscribe(`chat.${chatId}`, onTyping);
  }
  loadNewest(opened);
  if (window.matchMedia('(min-width: 760px)').matches) $('text').focus({ preventScroll: true });
}

export function closeChat() {
  if (!chat) return;
  stopTyping();
  if (state.live) {
    state.live.unsubscribe(`user-${chat.id}-messages`);
    state.live.unsubscribe(`chat.${chat.id}`);
  }
  state.typing.delete(chat.id);
  chat = null;
  state.openChatId = null;
  $('chat').hidden = true;
  $('placeholder').hidden = false;
  document.body.classList.remove('chat-open');
  emit('open', null);
}

async function loadNewest(opened) {
  try {
    const page = await state.api.messages(opened.id, { limit: PAGE });
    if (opened !== chat) return;
    chat.companion = { ...chat.companion, ...page.companion };
    presenceFromUser(page.companion);
    chat.hasMore = page.has_more;
    chat.loaded = true;
    accept(page.messages, false);
    scrollToBottom(true);
    renderHead();
    if (chat.catchUpAfterLoad) catchUp(chat);
    fillViewport();
  } catch (e) {
    if (opened === chat) toast(e.message);
  }
}

/** Catches up after a (re)subscription that may have missed publications. */
function onSubscribed(ctx) {
  if (!chat) return;
  if (ctx.wasRecovering && ctx.recovered) return; // centrifuge-js replayed what was missed
  if (chat.loaded) catchUp(chat);
  else chat.catchUpAfterLoad = true; // the first page may have been read before this point
}

async function catchUp(opened) {
  try {
    for (let round = 0; round < 20; round++) {
      const after = newestId();
      const page = await state.api.messages(opened.id, after ? { after, limit: 100 } : { limit: PAGE });
      if (opened !== chat) return;
      accept(page.messages, true);
      if (!after || !page.has_more || page.messages.length === 0) return;
    }
  } catch (e) {
    console.warn('chatctl demo: catch-up failed', e);
  }
}

function newestId() {
  let newest = 0;
  for (const id of chat.messages.keys()) newest = Math.max(newest, id);
  return newest;
}

function oldestId() {
  let oldest = Infinity;
  for (const id of chat.messages.keys()) oldest = Math.min(oldest, id);
  return oldest === Infinity ? 0 : oldest;
}

/** Adds or updates messages (deduplicated by id); `live` ones may scroll and mark read. */
function accept(messages, live) {
  const wasNearBottom = nearBottom();
  let theirs = false;
  for (const m of messages) {
    if (m.client_message_id) chat.pending.delete(m.client_message_id);
    const known = chat.messages.get(m.id);
    chat.messages.set(m.id, known ? { ...known, ...m, was_read: known.was_read || m.was_read } : m);
    if (!known && m.user.id !== state.me.id) {
      theirs = true;
      state.typing.delete(chat.id);
    }
  }
  renderMessages();
  if (!live) return;
  if (theirs) emit('typing', chat.id);
  if (wasNearBottom) scrollToBottom(true);
  else if (theirs) $('jump').hidden = false;
  markRead();
}

/** Marks the newest message of the companion read, when the page is actually seen. */
function markRead() {
  if (!chat || !chat.loaded || document.visibilityState !== 'visible') return;
  let newest = 0;
  for (const m of chat.messages.values()) if (m.user.id !== state.me.id) newest = Math.max(newest, m.id);
  if (newest <= chat.readUpTo) return;
  chat.readUpTo = newest;
  state.api.markRead(chat.id, newest).catch((e) => console.warn('chatctl demo: mark read failed', e));
}

/** The chat list says the companion read up to our last message: tick ours as read. */
function applyReadTicks() {
  if (!chat) return;
  const item = chatById(chat.id);
  const last = item && item.last_message;
  if (!last || last.sender_id !== state.me.id || !last.was_read) return;
  let changed = false;
  for (const m of chat.messages.values()) {
    if (m.user.id === state.me.id && m.id <= last.id && !m.was_read) {
      m.was_read = true;
      changed = true;
    }
  }
  if (changed) renderMessages();
}

function renderHead() {
  if (!chat) return;
  const c = chat.companion;
  const presence = state.presence.get(c.id);
  fill($('head-avatar'), avatar(c, { online: presence ? presence.online : undefined }));
  $('head-name').textContent = c.name;
  const status = $('head-status');
  const typing = state.typing.has(chat.id);
  status.textContent = typing ? 'typing…' : presenceText(presence);
  status.className = `head-status ${typing ? 'typing-text' : presence && presence.online ? 'online-text' : ''}`;
}

function messageNode(key) {
  let node = chat.nodes.get(key);
  if (!node) {
    node = el('li', { class: 'msg' }, el('div', { class: 'bubble' }, el('span', { class: 'text' }), el('span', { class: 'meta' })));
    chat.nodes.set(key, node);
  }
  return node;
}

function tick(m) {
  if (m.pending) return m.failed ? icon('alert', 'Not sent') : icon('clock', 'Sending');
  return m.was_read ? icon('checks', 'Read') : icon('check', 'Sent');
}

function renderMessages() {
  const list = $('message-list');
  const items = [...chat.messages.values()].sort((a, b) => a.id - b.id);
  for (const p of chat.pending.values()) {
    items.push({ pending: true, failed: p.failed, cid: p.cid, text: p.text, user: state.me, created_at: p.created, timestamp: p.timestamp });
  }
  const out = [];
  let prev = null;
  for (const m of items) {
    const day = dayKey(m.created_at);
    if (!prev || day !== dayKey(prev.created_at)) {
      let separator = chat.nodes.get(`day-${day}`);
      if (!separator) {
        separator = el('li', { class: 'day' }, el('span', { text: dayLabel(new Date(m.created_at)) }));
        chat.nodes.set(`day-${day}`, separator);
      }
      out.push(separator);
      prev = null;
    }
    const mine = m.user.id === state.me.id;
    const node = messageNode(m.pending ? `p-${m.cid}` : m.id);
    node.className = `msg ${mine ? 'mine' : 'theirs'}${prev && prev.user.id === m.user.id ? ' cont' : ''}${m.failed ? ' failed' : ''}`;
    node.dataset.id = m.pending ? '' : m.id;
    const [text, meta] = node.firstChild.children;
    if (text.textContent !== m.text) text.textContent = m.text;
    const sig = `${m.timestamp}|${mine}|${m.pending ? (m.failed ? 'failed' : 'sending') : m.was_read}`;
    if (node.dataset.sig !== sig) { // untouched otherwise: the live region re-announces changes
      node.dataset.sig = sig;
      fill(meta, el('time', { text: m.timestamp || '' }), mine ? tick(m) : null,
        m.failed ? el('button', { type: 'button', class: 'retry', text: 'Retry', onclick: () => resend(m.cid) }) : null);
    }
    out.push(node);
    prev = m;
  }
  place(list, out);
  const empty = chat.loaded && items.length === 0;
  $('chat-empty').hidden = !empty;
  if (empty) $('chat-empty-name').textContent = chat.companion.name;
  const older = $('older');
  older.dataset.state = !chat.loaded || chat.loadingOlder ? 'loading' : chat.hasMore ? 'more' : items.length ? 'start' : 'none';
  older.textContent = older.dataset.state === 'loading' ? 'Loading messages…'
    : older.dataset.state === 'start' ? `This is the beginning of your chat with ${chat.companion.name}.` : '';
}

/**
 * Puts `nodes` into `list` touching as little as possible: new messages at the end are only
 * appended, so the live region announces just them (a full refill would re-announce all).
 */
function place(list, nodes) {
  const current = list.children;
  let same = 0;
  while (same < current.length && same < nodes.length && current[same] === nodes[same]) same++;
  if (same === current.length) list.append(...nodes.slice(same));
  else if (same !== nodes.length || current.length !== nodes.length) list.replaceChildren(...nodes);
  for (const [key, node] of chat.nodes) if (!node.isConnected) chat.nodes.delete(key);
}

/** Without realtime, the open chat is polled instead (see app.js). */
export function pollOpenChat() {
  if (chat && chat.loaded) catchUp(chat);
}

function nearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom(force) {
  const box = $('messages');
  if (force || nearBottom()) box.scrollTop = box.scrollHeight;
  $('jump').hidden = true;
}

function onScroll() {
  if (!chat) return;
  if (nearBottom()) $('jump').hidden = true;
  if ($('messages').scrollTop < 160) loadOlder();
}

/** Loads older pages until the conversation overflows its pane (or there is no more). */
async function fillViewport() {
  const box = $('messages');
  while (chat && chat.hasMore && box.scrollHeight <= box.clientHeight + 160) {
    if (!(await loadOlder())) break;
  }
}

async function loadOlder() {
  if (!chat || !chat.loaded || !chat.hasMore || chat.loadingOlder) return false;
  const opened = chat;
  chat.loadingOlder = true;
  renderMessages();
  try {
    const page = await state.api.messages(chat.id, { before: oldestId(), limit: PAGE });
    if (opened !== chat) return false;
    const box = $('messages');
    const fromBottom = box.scrollHeight - box.scrollTop;
    chat.hasMore = page.has_more;
    chat.loadingOlder = false;
    accept(page.messages, false);
    box.scrollTop = box.scrollHeight - fromBottom; // keep what the reader looks at in place
    return true;
  } catch (e) {
    if (opened === chat) {
      chat.loadingOlder = false;
      renderMessages();
      toast(e.message);
    }
    return false;
  }
}

function autosize() {
  const text = $('text');
  text.style.height = 'auto';
  text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
}

function submit() {
  const text = $('text').value.trim();
  if (!chat || !text) return;
  $('text').value = '';
  autosize();
  stopTyping();
  const now = new Date();
  const p = {
    cid: randomId(),
    text,
    failed: false,
    created: now.toISOString(),
    timestamp: now.toTimeString().slice(0, 5),
  };
  chat.pending.set(p.cid, p);
  renderMessages();
  scrollToBottom(true);
  deliver(chat, p);
}

async function deliver(opened, p) {
  try {
    const message = await state.api.send(opened.id, p.text, p.cid);
    if (opened === chat) accept([{ ...message, client_message_id: p.cid }], false);
  } catch (e) {
    if (opened !== chat) return;
    p.failed = true;
    renderMessages();
    toast(e.status === 429 ? 'Sending too fast — wait a moment, then retry.' : `Not sent: ${e.message}`);
  }
}

function resend(cid) {
  const p = chat && chat.pending.get(cid);
  if (!p) return;
  p.failed = false;
  renderMessages();
  deliver(chat, p); // the same client_message_id: never stored twice
}

/** A keystroke in the composer: announce typing now and then, and its end after a pause. */
function typed() {
  if (!chat) return;
  const now = Date.now();
  if ($('text').value.trim() && now - chat.typingSentAt > TYPING_EVERY_MS) {
    chat.typingSentAt = now;
    state.api.typing(chat.id, true).catch(() => {});
  }
  clearTimeout(chat.typingIdle);
  chat.typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  if (!chat) return;
  clearTimeout(chat.typingIdle);
  if (chat.typingSentAt) {
    chat.typingSentAt = 0;
    state.api.typing(chat.id, false).catch(() => {});
  }
}

const typingTimers = new Map();

function onTyping(payload) {
  const chatId = Number(payload.chatId);
  if (Number(payload.userId) === state.me.id) return;
  clearTimeout(typingTimers.get(chatId));
  if (payload.typing) {
    state.typing.add(chatId);
    typingTimers.set(chatId, setTimeout(() => {
      state.typing.delete(chatId);
      emit('typing', chatId);
    }, TYPING_SHOWN_MS));
  } else {
    state.typing.delete(chatId);
  }
  emit('typing', chatId);
}
