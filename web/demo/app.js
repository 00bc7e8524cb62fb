// The demo chat's entry point: the development sign-in, then the chat app over the original's
// API and channels. Realtime: user-{me}-chats carries the whole chat list, user-{id}-status
// each companion's presence; the open chat's channels are handled by conversation.js.

import { Api, demo } from './api.js';
import { Live } from './live.js';
import { state, on, emit, chatById, setPresence, presenceFromUser } from './state.js';
import { el, fill, avatar, toast } from './view.js';
import { initSidebar, renderMe, renderChats, renderConnection, clearSearch } from './sidebar.js';
import { initConversation, openChat, closeChat, pollOpenChat } from './conversation.js';

const $ = (id) => document.getElementById(id);
const SESSION_KEY = 'chatctl-demo-session'; // per tab: two tabs can be two people
const PRESENCE_WATCHED = 20; // status channels followed: the most recent chats only
const POLL_MS = 4000; // without realtime, how often the page asks for news
let wired = false;
let poller = null;
let everConnected = false;

async function main() {
  try {
    state.config = await demo.config();
  } catch (e) {
    fill($('signin-users'));
    showSignIn('This page needs a server started with `chatctl serve --demo`.');
    return;
  }
  for (const id of ['notice', 'signin-notice']) fill($(id), withCode(state.config.notice));
  $('name').maxLength = state.config.name_max;
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    if (name) signIn({ name });
  });
  const saved = sessionStorage.getItem(SESSION_KEY);
  if (saved) {
    try {
      await start(JSON.parse(saved));
      return;
    } catch {
      sessionStorage.removeItem(SESSION_KEY);
    }
  }
  if ($('signin').hidden) showSignIn(); // else a 401 already showed it, with its message
}

/** The notice with its command-line flags set as code (and never broken across lines). */
function withCode(text) {
  return text.split(/(--[a-z-]+)/).map((part, i) => (i % 2 ? el('code', { text: part }) : part));
}

async function showSignIn(message) {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('signin-error').hidden = !message;
  $('name').focus();
  if (!state.config) return;
  let users = [];
  try {
    users = await demo.users();
  } catch {
    users = [];
  }
  fill($('signin-users'), users.length
    ? users.map((u) => el('li', {}, el('button', { type: 'button', class: 'person', onclick: () => signIn({ user_id: u.id }) },
      avatar(u, { size: 'sm', online: u.is_online }), el('span', { text: u.name }))))
    : el('li', { class: 'empty-small', text: 'No one here yet: the first name you enter creates a user.' }));
}

async function signIn(body) {
  const button = $('signin-submit');
  button.disabled = true;
  try {
    await start(await demo.signIn(body));
  } catch (e) {
    $('signin-error').textContent = e.body && e.body.errors ? Object.values(e.body.errors)[0][0] : e.message;
    $('signin-error').hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function start(session) {
  state.api = new Api(session.token, () => signOut('Your session ended. Sign in again.'));
  state.me = await state.api.me();
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: session.token }));
  $('signin').hidden = true;
  $('app').hidden = false;
  if (!wired) {
    wired = true;
    initSidebar({ onSignOut: () => signOut() });
    initConversation();
    on('select', (chatId) => go(chatId));
    on('select-new', ({ chatId, companion }) => {
      presenceFromUser(companion);
      go(chatId, companion);
      refreshChats();
    });
    on('close', () => go(null));
    window.addEventListener('popstate', route);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && state.openChatId && document.activeElement !== $('search')) go(null);
    });
  }
  renderMe();
  everConnected = false;
  if (state.config.ws_url) {
    state.live = new Live(wsUrl(state.config.ws_url), state.api, onConnection);
    state.live.start();
    state.live.subscribe(`user-${state.me.id}-chats`, setChats, (ctx) => {
      if (!(ctx.wasRecovering && ctx.recovered)) refreshChats();
    });
  } else {
    renderConnection('off');
    poller = setInterval(() => {
      refreshChats();
      pollOpenChat();
    }, POLL_MS);
  }
  await refreshChats();
  route();
}

/** The server's WebSocket URL; a path (an embedded server) is taken relative to this page. */
function wsUrl(url) {
  if (/^wss?:\/\//.test(url)) return url;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${url.startsWith('/') ? '' : '/'}${url}`;
}

function onConnection(what) {
  if (what === 'connected') everConnected = true;
  if (what === 'connecting') renderConnection(everConnected ? 'reconnecting' : 'connecting');
  else renderConnection(what === 'disconnected' ? 'reconnecting' : what);
}

async function refreshChats() {
  try {
    setChats(await state.api.chats());
  } catch (e) {
    if (e.status !== 401) toast(`Could not load chats: ${e.message}`);
  }
}

function setChats(list) {
  if (!Array.isArray(list)) return;
  state.chats = list;
  const watched = new Set(list.slice(0, PRESENCE_WATCHED).map((c) => c.companion_id));
  list.slice(0, PRESENCE_WATCHED).forEach(watchPresence);
  if (state.live) {
    for (const channel of state.live.channels()) {
      const m = /^user-(\d+)-status$/.exec(channel);
      if (m && !watched.has(Number(m[1]))) state.live.unsubscribe(channel);
    }
  }
  renderChats();
  emit('chats');
}

/** Follows a companion's status channel; the current state comes from probe(). */
function watchPresence(chat) {
  const channel = `user-${chat.companion_id}-status`;
  if (!state.live) {
    if (!state.presence.has(chat.companion_id)) probe(chat.id);
    return;
  }
  if (state.live.has(channel)) return;
  state.live.subscribe(channel, (p) => setPresence(Number(p.userId), p.isOnline, p.lastSeen), (ctx) => {
    if (!(ctx.wasRecovering && ctx.recovered)) probe(chat.id);
  });
}

/**
 * A companion's current presence. The chat list has none, and the status channel only
 * carries changes, so ask the messages route for a page that is empty by construction
 * (before the first possible id): it returns the companion as a User and marks nothing read.
 */
async function probe(chatId) {
  try {
    presenceFromUser((await state.api.messages(chatId, { before: 1, limit: 1 })).companion);
  } catch {
    // Presence stays unknown: no dot rather than a wrong one.
  }
}

/** Opens (or with null closes) a chat through the history, so Back works on phones. */
function go(chatId, companion) {
  const hash = chatId ? `#chat=${chatId}` : location.pathname;
  if (chatId && state.openChatId) history.replaceState({ chat: chatId }, '', hash);
  else if (chatId) history.pushState({ chat: chatId }, '', hash);
  else if (history.state && history.state.chat) {
    history.back();
    return;
  } else history.replaceState(null, '', hash);
  route(companion);
}

function route(companion) {
  const match = /^#chat=(\d+)$/.exec(location.hash);
  const chatId = match ? Number(match[1]) : null;
  if (!chatId) {
    const was = state.openChatId;
    closeChat();
    // Keyboard users land back on the chat they left.
    const row = was && document.querySelector(`#chat-list .row[data-chat="${was}"]`);
    if (row && !$('chat-list').hidden) row.focus({ preventScroll: false });
    return;
  }
  const item = chatById(chatId);
  const seed = item
    ? { id: item.companion_id, name: item.companion_name, avatar: item.avatar }
    : companion && companion.id ? companion : { id: 0, name: '…' };
  openChat(chatId, seed);
}

function signOut(message) {
  clearInterval(poller);
  poller = null;
  closeChat();
  clearSearch();
  if (state.live) state.live.stop();
  state.live = null;
  state.api = null;
  state.me = null;
  state.chats = [];
  state.presence.clear();
  state.typing.clear();
  renderChats();
  sessionStorage.removeItem(SESSION_KEY);
  history.replaceState(null, '', location.pathname);
  showSignIn(message);
}

main();
