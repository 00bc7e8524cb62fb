// The page's shared state and a tiny event bus between the sidebar and the conversation.

export const state = {
  /** Api of the signed-in user. */
  api: null,
  /** Live (realtime), or null when the server has realtime off. */
  live: null,
  /** {id, name, avatar, email} of the signed-in user. */
  me: null,
  /** GET /demo/config. */
  config: null,
  /** The chat list, newest activity first, as GET /api/chats and user-{id}-chats give it. */
  chats: [],
  /** userId -> {online, lastSeen}. */
  presence: new Map(),
  /** chatIds whose companion is typing now. */
  typing: new Set(),
  /** The chat shown on the right, or null. */
  openChatId: null,
};

const bus = new EventTarget();

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

export function on(name, handler) {
  bus.addEventListener(name, (event) => handler(event.detail));
}

export function chatById(chatId) {
  return state.chats.find((c) => c.id === chatId) || null;
}

/** Records what is known of a person's presence; `lastSeen` may be null (keep the old one). */
export function setPresence(userId, online, lastSeen) {
  const before = state.presence.get(userId);
  const next = { online: Boolean(online), lastSeen: lastSeen || (before && before.lastSeen) || null };
  if (before && before.online === next.online && before.lastSeen === next.lastSeen) return;
  state.presence.set(userId, next);
  emit('presence', userId);
}

/** Presence from a User object of the API. */
export function presenceFromUser(user) {
  if (user && user.id) setPresence(user.id, user.is_online, user.last_seen_at);
}
