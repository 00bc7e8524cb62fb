// The original's HTTP API (only its public routes) and the demo's sign-in routes.

/** An API failure: `status` is the HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function request(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'The server cannot be reached.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.message) || `HTTP ${response.status}`, data);
  }
  return data;
}

/** The demo routes (only served by `chatctl serve --demo`). */
export const demo = {
  config: () => request('GET', '/demo/config'),
  users: () => request('GET', '/demo/users'),
  signIn: (body) => request('POST', '/demo/sign-in', { body }),
};

/** The chat API as a signed-in user. `onUnauthorized` runs on any 401. */
export class Api {
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async call(method, path, body) {
    try {
      return await request(method, path, { token: this.token, body });
    } catch (e) {
      if (e.status === 401) this.onUnauthorized();
      throw e;
    }
  }

  me() { return this.call('GET', '/api/get-user-info'); }
  chats() { return this.call('GET', '/api/chats'); }
  createChat(companionId) { return this.call('POST', '/api/chats', { companionId }); }
  search(text) { return this.call('GET', `/api/search-users?search=${encodeURIComponent(text)}`); }

  /** A page of messages: the newest, or `before`/`after` a message id. */
  messages(chatId, { before, after, limit } = {}) {
    const query = new URLSearchParams();
    if (before) query.set('before', before);
    if (after) query.set('after', after);
    if (limit) query.set('limit', limit);
    const suffix = query.toString() ? `?${query}` : '';
    return this.call('GET', `/api/chats/${chatId}/messages${suffix}`);
  }

  send(chatId, text, clientMessageId) {
    return this.call('POST', `/api/chats/${chatId}/messages`, { text, client_message_id: clientMessageId });
  }

  markRead(chatId, messageId) { return this.call('POST', `/api/chats/${chatId}/messages/${messageId}`); }
  typing(chatId, typing) { return this.call('POST', '/api/typing', { chatId, typing }); }
  connectionToken() { return this.call('GET', '/api/update-centrifugo-token'); }

  subscriptionToken(channel) {
    return this.call('GET', `/api/centrifugo/subscription-token?channel=${encodeURIComponent(channel)}`);
  }
}
