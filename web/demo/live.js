// Realtime through centrifuge-js (vendored, global `Centrifuge`): one connection, and one
// subscription per channel of the original's four kinds. Every token comes from the chat API
// (getToken callbacks), so expiry and refresh are centrifuge-js's business. Publication data
// is a JSON string, as the original's client expects (JSON.parse(ctx.data)).

function parse(data) {
  return typeof data === 'string' ? JSON.parse(data) : data;
}

/** A token getter: a 401/403 from the API is final (UnauthorizedError), anything else retried. */
function tokenFrom(fetchToken) {
  return async () => {
    try {
      return await fetchToken();
    } catch (e) {
      if (e.status === 401 || e.status === 403) throw new globalThis.Centrifuge.UnauthorizedError(e.message);
      throw e;
    }
  };
}

export class Live {
  /** `onState(state)` gets 'connecting' | 'connected' | 'disconnected'. */
  constructor(url, api, onState) {
    this.url = url;
    this.api = api;
    this.onState = onState;
    this.subs = new Map();
  }

  start() {
    const { Centrifuge } = globalThis;
    this.client = new Centrifuge(this.url, {
      // Back within seconds after an outage (the default waits up to 20 s between tries).
      minReconnectDelay: 300,
      maxReconnectDelay: 5000,
      getToken: tokenFrom(async () => (await this.api.connectionToken()).centrifugo_token),
    });
    this.client.on('connecting', () => this.onState('connecting'));
    this.client.on('connected', () => this.onState('connected'));
    this.client.on('disconnected', () => this.onState('disconnected'));
    this.client.connect();
  }

  /**
   * Subscribes once per channel. `onData(payload)` gets each publication's decoded data;
   * `onSubscribed(ctx)` runs on every (re)subscription, with ctx.wasRecovering and
   * ctx.recovered telling whether anything may have been missed.
   */
  subscribe(channel, onData, onSubscribed) {
    if (!this.client || this.subs.has(channel)) return;
    const sub = this.client.newSubscription(channel, {
      getToken: tokenFrom(async () => (await this.api.subscriptionToken(channel)).token),
    });
    sub.on('publication', (ctx) => {
      let payload;
      try {
        payload = parse(ctx.data);
      } catch (e) {
        console.warn(`chatctl demo: ${channel}: undecodable publication`, e);
        return;
      }
      onData(payload);
    });
    if (onSubscribed) sub.on('subscribed', onSubscribed);
    sub.on('error', (ctx) => console.warn(`chatctl demo: ${channel}:`, ctx.error));
    sub.subscribe();
    this.subs.set(channel, sub);
  }

  unsubscribe(channel) {
    const sub = this.subs.get(channel);
    if (!sub) return;
    this.subs.delete(channel);
    sub.unsubscribe();
    this.client.removeSubscription(sub);
  }

  has(channel) {
    return this.subs.has(channel);
  }

  channels() {
    return [...this.subs.keys()];
  }

  stop() {
    for (const channel of [...this.subs.keys()]) this.unsubscribe(channel);
    if (this.client) this.client.disconnect();
    this.client = null;
  }
}
