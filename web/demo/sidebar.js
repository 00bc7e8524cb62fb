// The left pane: who is signed in, the connection state, the chat list (unread badges, last
// message, time, online dots) and the user search that starts new chats.

import { state, on, emit, presenceFromUser } from './state.js';
import { el, fill, icon, avatar, presenceText, toast } from './view.js';

const $ = (id) => document.getElementById(id);
const items = new Map(); // chatId -> <li>
let searchSeq = 0;

export function initSidebar({ onSignOut }) {
  $('sign-out').addEventListener('click', onSignOut);
  const input = $('search');
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => runSearch(input.value.trim()), 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') clearSearch();
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      const list = $('results').hidden ? $('chat-list') : $('results');
      const first = list.querySelector('button');
      if (first) first.focus();
    }
  });
  for (const list of [$('chat-list'), $('results')]) list.addEventListener('keydown', arrowKeys);
  on('presence', renderChats);
  on('typing', renderChats);
  on('open', renderChats);
  document.addEventListener('visibilitychange', renderChats);
}

/** Up/Down move between the buttons of a list; Up from the first goes back to the search. */
function arrowKeys(e) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const buttons = [...e.currentTarget.querySelectorAll('button')];
  const at = buttons.indexOf(document.activeElement);
  if (at < 0) return;
  e.preventDefault();
  const next = e.key === 'ArrowDown' ? buttons[at + 1] : buttons[at - 1];
  (next || (e.key === 'ArrowUp' ? $('search') : buttons[at])).focus();
}

export function renderMe() {
  const me = state.me;
  fill($('me-avatar'), avatar(me, { size: 'sm' }));
  $('me-name').textContent = me.name;
}

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  connected: 'Live',
  off: 'Realtime off',
};

export function renderConnection(what) {
  const node = $('conn');
  node.dataset.state = what;
  node.textContent = CONNECTION_TEXT[what] || what;
}

function preview(chat) {
  const last = chat.last_message;
  if (state.typing.has(chat.id)) return [el('span', { class: 'typing-text', text: 'typing…' })];
  if (!last) return [el('span', { class: 'muted-italic', text: 'No messages yet' })];
  const mine = last.sender_id === state.me.id;
  return [
    mine ? icon(last.was_read ? 'checks' : 'check', last.was_read ? 'Read' : 'Sent') : null,
    mine ? el('span', { class: 'you', text: 'You: ' }) : null,
    el('span', { class: 'preview-text', text: last.text }),
  ];
}

function unreadShown(chat) {
  // The open chat is being read right now: no badge flicker while the read mark travels.
  const reading = chat.id === state.openChatId && document.visibilityState === 'visible';
  return reading ? 0 : chat.unread_count || 0;
}

export function renderChats() {
  const list = $('chat-list');
  const seen = new Set();
  let total = 0;
  for (const chat of state.chats) {
    seen.add(chat.id);
    const unread = unreadShown(chat);
    total += unread;
    let li = items.get(chat.id);
    if (!li) {
      const button = el('button', { type: 'button', class: 'row', onclick: () => emit('select', chat.id) });
      li = el('li', {}, button);
      items.set(chat.id, li);
    }
    const button = li.firstChild;
    const presence = state.presence.get(chat.companion_id);
    button.classList.toggle('unread', unread > 0);
    button.classList.toggle('active', chat.id === state.openChatId);
    if (chat.id === state.openChatId) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
    button.dataset.chat = chat.id;
    const last = chat.last_message;
    const label = [chat.companion_name, unread ? `${unread} unread` : '', last ? `${last.sender_id === state.me.id ? 'you: ' : ''}${last.text}` : '']
      .filter(Boolean).join(', ');
    button.setAttribute('aria-label', label);
    fill(button,
      avatar({ id: chat.companion_id, name: chat.companion_name, avatar: chat.avatar }, { online: presence ? presence.online : undefined }),
      el('span', { class: 'row-main' },
        el('span', { class: 'row-top' },
          el('span', { class: 'row-name', text: chat.companion_name }),
          chat.last_message ? el('time', { class: 'row-time', text: chat.last_message.timestamp }) : null),
        el('span', { class: 'row-bottom' },
          el('span', { class: 'row-preview' }, preview(chat)),
          unread ? el('span', { class: 'badge', text: unread > 99 ? '99+' : unread }) : null)));
    list.append(li); // moves it into list order
  }
  for (const [id, li] of items) {
    if (!seen.has(id)) {
      li.remove();
      items.delete(id);
    }
  }
  $('chats-empty').hidden = state.chats.length > 0;
  document.title = total ? `(${total}) chatctl demo` : 'chatctl demo';
}

async function runSearch(text) {
  const seq = ++searchSeq;
  const results = $('results');
  if (!text) {
    clearSearch(false);
    return;
  }
  let users;
  try {
    users = await state.api.search(text);
  } catch (e) {
    if (seq === searchSeq) toast(e.status === 429 ? 'Searching too fast — wait a moment.' : e.message);
    return;
  }
  if (seq !== searchSeq) return; // a newer search is on its way
  users.forEach(presenceFromUser);
  $('chat-list').hidden = true;
  $('chats-empty').hidden = true;
  results.hidden = false;
  const rows = users.map((user) => el('li', {},
    el('button', { type: 'button', class: 'row', 'data-user': user.id, onclick: () => startChat(user) },
      avatar(user, { online: user.is_online }),
      el('span', { class: 'row-main' },
        el('span', { class: 'row-top' }, el('span', { class: 'row-name', text: user.name })),
        el('span', { class: 'row-bottom' },
          el('span', { class: `row-preview ${user.is_online ? 'online-text' : ''}`, text: presenceText({ online: user.is_online, lastSeen: user.last_seen_at }) }))))));
  fill(results,
    el('li', { class: 'list-label', 'aria-hidden': 'true', text: 'People' }),
    rows.length ? rows : el('li', { class: 'empty-small', text: `No one matches “${text}”.` }));
}

export function clearSearch(clearInput = true) {
  searchSeq++;
  if (clearInput) $('search').value = '';
  $('results').hidden = true;
  fill($('results'));
  $('chat-list').hidden = false;
  $('chats-empty').hidden = state.chats.length > 0;
}

async function startChat(user) {
  try {
    const { chatId } = await state.api.createChat(user.id);
    clearSearch();
    emit('select-new', { chatId, companion: user });
  } catch (e) {
    toast(e.message);
  }
}
