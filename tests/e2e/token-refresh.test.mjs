// Short-lived Centrifugo tokens (CHATCTL_CENTRIFUGO_TOKEN_TTL=3s): centrifuge-js refreshes the
// connection token through GET /api/update-centrifugo-token and the subscription token through
// GET /api/centrifugo/subscription-token, and real Centrifugo accepts every refreshed token, so the
// client stays connected and subscribed and keeps receiving messages. Runs on its own stack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Stack, connectClient, jwtClaims, now, sleep, userIds } from './lib.mjs';

const TTL_S = 3;
let stack;

before(async () => {
  stack = await new Stack({
    name: 'token-refresh',
    chatctlEnv: { CHATCTL_CENTRIFUGO_TOKEN_TTL: `${TTL_S}s` },
  }).start();
});

after(async () => {
  await stack?.stop();
});

test('connection and subscription tokens are refreshed through the API and accepted', async (t) => {
  const [ia, ib] = userIds(2);
  const A = stack.user(ia, 'Rita');
  const B = stack.user(ib, 'Rolf');
  await B.api.get('/api/get-user-info');
  const { chatId } = await A.api.post('/api/chats', { companionId: B.id });

  const b = connectClient(stack, B);
  try {
    await b.connect();
    const messages = b.subscribe(`user-${chatId}-messages`);
    await messages.waitSubscribed();
    const claims = jwtClaims((await B.api.get('/api/update-centrifugo-token')).centrifugo_token);
    assert.equal(claims.exp - claims.iat, TTL_S, 'tokens live for centrifugo.token_ttl');
    const callsBefore = b.tokenCalls.connection;

    const waitMs = (TTL_S * 2 + 2) * 1000;
    await sleep(waitMs); // at least two refreshes of each token
    const subCalls = b.tokenCalls.subscription.filter((c) => c.channel === `user-${chatId}-messages`);
    t.diagnostic(`in ${waitMs} ms: ${b.tokenCalls.connection} connection token calls, ${subCalls.length} subscription token calls`);
    assert.equal(callsBefore, 1, 'one connection token call to connect');
    assert.ok(b.tokenCalls.connection >= 3, `connection token fetched ${b.tokenCalls.connection} times (initial + refreshes)`);
    assert.ok(subCalls.length >= 3, `subscription token fetched ${subCalls.length} times (initial + refreshes)`);
    assert.deepEqual(subCalls.map((c) => c.status).filter((s) => s !== 200), [], 'every subscription token call answered 200');
    assert.deepEqual(b.state.errors.map((e) => `${e.type}: ${JSON.stringify(e.error)}`), [], 'no client errors');
    assert.equal(b.state.disconnected.length, 0, 'never disconnected');
    assert.equal(b.state.connected.length, 1, 'never reconnected');
    assert.equal(messages.subscribed.length, 1, 'never resubscribed');
    assert.deepEqual(messages.errors.map((e) => `${e.type}: ${JSON.stringify(e.error)}`), [], 'no subscription errors');

    const text = `after refreshes ${Date.now()}`;
    const t0 = now();
    await A.api.post(`/api/chats/${chatId}/messages`, { text });
    const pub = await messages.waitForPub((d) => d?.text === text, 3000, 'a message after the refreshes');
    assert.ok(pub.at - t0 < 1000);
  } finally {
    b.close();
  }
});
