// Issue 7 end to end: the demo web chat (`chatctl serve --demo`) in a real browser. Debian's
// Chromium driven by playwright-core, two browser contexts as two people, presence at 2 s / 1 s.
// REALTIME=centrifugo: a real Centrifugo with the config `chatctl centrifugo config --origin`
// generates. REALTIME=embedded: `chatctl serve --demo` alone, the page connecting to the
// embedded server at its own /connection/websocket; B's window is loaded through lib.mjs's TCP
// relay, so cutting the relay is B's realtime outage (while A, loaded directly, keeps sending).
//
// A searches B, starts a chat, sends; B sees it live in the list, opens it (reads it), A sees
// the read tick; A types and B sees "typing…"; a message that arrives while B looks is marked
// read at once; the realtime server goes away and comes back: after a Centrifugo restart (history
// lost) B catches up with after=, the embedded server still has it and B recovers; B closes the
// window and A sees B go offline. Screenshots of both windows, at laptop and phone size, go
// to tests/e2e/out/ (git-ignored).
//
// Run by tests/e2e/browser.sh (which installs Chromium when missing), itself called by
// tests/e2e/run.sh. Env: CHROMIUM_BIN (default /usr/bin/chromium), plus lib.mjs's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHATCTL_BIN, Proc, REALTIME, Stack, waitUntil } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const WAIT = 10_000;
const HISTORY = 40; // Chloe's older messages: more than one page (30)

/** The lib.mjs stack, with Centrifugo allowing the page's origin and chatctl serving --demo. */
class DemoStack extends Stack {
  async startCentrifugo() {
    if (this.mode === 'centrifugo' && !this.originAllowed) {
      const generated = spawnSync(CHATCTL_BIN, [
        'centrifugo', 'config', '--origin', this.apiUrl, '--port', String(this.centrifugoPort),
        '--out', this.configFile, '--force',
      ], { env: this.chatctlEnvironment(), cwd: this.dir, encoding: 'utf8' });
      if (generated.status !== 0) throw new Error(`chatctl centrifugo config --origin failed: ${generated.stderr}`);
      this.originAllowed = true;
    }
    return super.startCentrifugo();
  }

  async startChatctl() {
    this.chatctl = new Proc('chatctl', CHATCTL_BIN, ['serve', '--demo', '--bind', `127.0.0.1:${this.chatctlPort}`], {
      env: this.chatctlEnvironment(),
      cwd: this.dir,
      logFile: path.join(this.dir, 'chatctl.log'),
    });
    await waitUntil('chatctl /readyz', async () => (await fetch(`${this.apiUrl}/readyz`)).status === 200, { proc: this.chatctl });
  }
}

let stack;
let browser;
const problems = []; // console errors and failed requests of every page

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/chromium.sh (tests/e2e/browser.sh does)`);
  fs.mkdirSync(OUT, { recursive: true });
  stack = await new DemoStack({ name: 'browser', presenceIdle: '2s', presenceSweep: '1s' }).start();
  // Playwright gives every launch a fresh temporary --user-data-dir of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A new browser window (own context: own storage, own realtime connection), loaded from `base`. */
async function open(name, viewport = LAPTOP, colorScheme = 'light', base = stack.apiUrl) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: viewport === PHONE,
    hasTouch: viewport === PHONE,
    locale: 'en-GB',
    colorScheme,
  });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(`${name}: console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${name}: HTTP ${r.status()} ${r.url()}`));
  await page.goto(`${base}/`);
  return { name, context, page };
}

async function signIn({ page }, name) {
  await page.locator('#signin').waitFor();
  await page.fill('#name', name);
  await page.press('#name', 'Enter');
  await page.locator('#app').waitFor();
  await until(page, (n) => document.getElementById('me-name').textContent === n, name, `signed in as ${name}`);
  await until(page, () => document.getElementById('conn').dataset.state === 'connected', null, 'realtime connected');
}

/** Waits for `fn(arg)` to be true in the page; fails naming `what`. */
async function until(page, fn, arg, what, timeout = WAIT) {
  try {
    await page.waitForFunction(fn, arg, { timeout });
  } catch (e) {
    throw new Error(`timed out waiting for: ${what}`, { cause: e });
  }
}

const text = (page, selector) => page.locator(selector).innerText();
const shot = (page, file) => page.screenshot({ path: path.join(OUT, file) });

/** A third person, through the demo sign-in and the API only, so A's list is not a list of one. */
async function seedChloe(annaId) {
  const post = async (url, body, token) => {
    const r = await fetch(stack.apiUrl + url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 200, `${url}: HTTP ${r.status}`);
    return r.json();
  };
  const { token } = await post('/demo/sign-in', { name: 'Chloe Martin' });
  const { chatId } = await post('/api/chats', { companionId: annaId }, token);
  for (let n = 1; n <= HISTORY; n++) {
    await post(`/api/chats/${chatId}/messages`, { text: `Reading list, item ${n}` }, token);
  }
  await post(`/api/chats/${chatId}/messages`, { text: 'Are we still on for lunch tomorrow?' }, token);
}

/** Both people side by side in one picture (the README's screenshot is one of these). */
async function composePair(laptop, phone, file) {
  const url = (name) => `data:image/png;base64,${fs.readFileSync(path.join(OUT, name)).toString('base64')}`;
  const context = await browser.newContext({ viewport: { width: 1360, height: 700 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.setContent(`<body style="margin:0;background:#dfe3ea;display:flex;gap:28px;align-items:center;
    justify-content:center;height:100vh"><img src="${url(laptop)}" style="height:620px;border-radius:10px;
    box-shadow:0 10px 30px rgba(16,24,40,.22)"><img src="${url(phone)}" style="height:620px;border-radius:22px;
    box-shadow:0 10px 30px rgba(16,24,40,.22)"></body>`);
  await page.screenshot({ path: path.join(OUT, file) });
  await context.close();
}

test('two people chat in the demo page, live', async () => {
  const a = await open('A');
  assert.match(await text(a.page, '.banner'), /--demo/, 'the page says the sign-in exists only with --demo');
  await shot(a.page, 'signin-laptop.png');
  await signIn(a, 'Anna Schmidt');
  // Embedded: B's page (and so its relative /connection/websocket) goes through the relay.
  const b = await open('B', LAPTOP, 'light', REALTIME === 'embedded' ? `http://127.0.0.1:${stack.centrifugoPort}` : stack.apiUrl);
  await signIn(b, 'Boris Petrov');
  const anna = (await (await fetch(`${stack.apiUrl}/demo/users`)).json()).find((u) => u.name === 'Anna Schmidt');
  await seedChloe(anna.id);
  await until(a.page, () => document.querySelectorAll('#chat-list .row').length === 1, null, 'A: Chloe\'s chat appears live');

  // A searches B and starts a chat.
  await a.page.fill('#search', 'bor');
  const boris = a.page.locator('#results .row', { hasText: 'Boris Petrov' });
  await boris.waitFor();
  await shot(a.page, 'laptop-a-search.png');
  await boris.click();
  await until(a.page, () => document.getElementById('head-name').textContent === 'Boris Petrov', null, 'A: chat with Boris open');
  await until(a.page, () => document.getElementById('head-status').textContent === 'online', null, 'A: Boris shown online');
  await a.page.locator('#chat-empty').waitFor();
  await shot(a.page, 'laptop-a-new-chat.png');

  // A sends with Enter; the server acknowledges (one tick).
  await a.page.fill('#text', 'Hi Boris! Did the new build land?');
  await a.page.press('#text', 'Enter');
  await until(a.page, () => document.querySelector('.msg.mine .icon-check'), null, 'A: message sent (one tick)');

  // B sees it live in the chat list: unread badge and preview.
  await until(b.page, () => {
    const row = document.querySelector('#chat-list .row');
    return row && row.querySelector('.badge')?.textContent === '1' && row.textContent.includes('Did the new build land?');
  }, null, 'B: new chat with an unread badge');
  await shot(b.page, 'laptop-b-unread.png');

  // B opens it, which reads it: A's message gets the read tick.
  await b.page.locator('#chat-list .row', { hasText: 'Anna Schmidt' }).click();
  await until(b.page, () => document.querySelector('.msg.theirs .text')?.textContent === 'Hi Boris! Did the new build land?', null, 'B: message shown');
  await until(a.page, () => document.querySelector('.msg.mine .icon-checks'), null, 'A: read tick');

  // A types: B sees "typing…".
  await a.page.locator('#text').pressSequentially('Also, the demo', { delay: 30 });
  await until(b.page, () => document.getElementById('head-status').textContent === 'typing…', null, 'B: A is typing');
  await a.page.press('#text', 'Enter');
  // It arrives while B looks at the chat: shown at once and marked read at once.
  await until(b.page, () => [...document.querySelectorAll('.msg.theirs .text')].some((t) => t.textContent === 'Also, the demo'), null, 'B: second message live');
  await until(a.page, () => document.querySelectorAll('.msg.mine .icon-checks').length === 2, null, 'A: both read');
  await until(b.page, () => document.getElementById('head-status').textContent === 'online', null, 'B: typing cleared');

  await b.page.fill('#text', 'It did — all green. Looks great on my phone too.');
  await b.page.press('#text', 'Enter');
  await until(a.page, () => [...document.querySelectorAll('.msg.theirs .text')].some((t) => t.textContent.startsWith('It did')), null, 'A: reply live');
  assert.equal(await a.page.locator('#chat-list .row.active .badge').count(), 0, 'no badge on the chat being read');

  // The realtime server goes away. Centrifugo restarts and loses its history: B's subscription
  // cannot recover, so the page catches up with GET …/messages?after=<last id>. The embedded
  // server keeps running behind the cut relay: B's subscription recovers the missed message.
  const catchUps = [];
  b.page.on('request', (r) => /\/messages\?after=\d+/.test(r.url()) && catchUps.push(r.url()));
  await stack.stopCentrifugo();
  await until(b.page, () => document.getElementById('conn').dataset.state === 'reconnecting', null, 'B: shows reconnecting');
  await a.page.fill('#text', 'Sent while the realtime server was down');
  await a.page.press('#text', 'Enter');
  await until(a.page, () => document.querySelectorAll('.msg.mine .icon-check').length === 1, null, 'A: stored while Centrifugo is down');
  await stack.startCentrifugo();
  await until(b.page, () => [...document.querySelectorAll('.msg.theirs .text')].some((t) => t.textContent.startsWith('Sent while')), null, 'B: missed message after reconnect', 20_000);
  await until(b.page, () => document.getElementById('conn').dataset.state === 'connected', null, 'B: connected again', 20_000);
  if (REALTIME === 'centrifugo') assert.ok(catchUps.length > 0, 'B caught up with after=');
  const ids = await b.page.evaluate(() => [...document.querySelectorAll('#message-list .msg')].map((m) => m.dataset.id));
  assert.equal(new Set(ids).size, ids.length, `no duplicates after the catch-up: ${ids}`);
  await until(a.page, () => document.querySelectorAll('.msg.mine .icon-checks').length === 3, null, 'A: the missed one read too', 20_000);

  await shot(a.page, 'laptop-a.png');
  await shot(b.page, 'laptop-b.png');

  // The same people on a phone-sized screen: one pane at a time.
  const phone = await open('B-phone', PHONE);
  await phone.page.locator('#signin-users .person', { hasText: 'Boris Petrov' }).click();
  await phone.page.locator('#app').waitFor();
  await until(phone.page, () => document.querySelectorAll('#chat-list .row').length === 1, null, 'phone: chat list');
  assert.ok(await phone.page.locator('.conversation').isHidden(), 'phone: only the list is shown');
  await shot(phone.page, 'phone-list.png');
  await phone.page.locator('#chat-list .row').first().click();
  await until(phone.page, () => document.querySelectorAll('#message-list .msg').length >= 4, null, 'phone: messages');
  assert.ok(await phone.page.locator('.sidebar').isHidden(), 'phone: only the conversation is shown');
  await shot(phone.page, 'phone-chat.png');
  await phone.page.locator('#back').click();
  await phone.page.locator('#chat-list').waitFor();
  const dark = await open('A-dark', PHONE, 'dark');
  await dark.page.locator('#signin-users .person', { hasText: 'Anna Schmidt' }).click();
  await dark.page.locator('#chat-list .row', { hasText: 'Boris Petrov' }).click();
  await until(dark.page, () => document.querySelectorAll('#message-list .msg').length >= 4, null, 'dark: messages');
  await shot(dark.page, 'phone-dark.png');
  await dark.context.close();

  // B goes offline (every window closed): A sees it within the presence timings.
  await phone.context.close();
  await b.context.close();
  await until(a.page, () => /^last seen today at \d\d:\d\d$/.test(document.getElementById('head-status').textContent), null, 'A: Boris offline with last seen', 15_000);
  await until(a.page, () => document.querySelector('#chat-list .row.active .dot.off'), null, 'A: the list dot turned off');
  await shot(a.page, 'laptop-a-offline.png');

  // Older messages load as A scrolls up (before=<oldest id>), without moving what A reads.
  await a.page.locator('#chat-list .row', { hasText: 'Chloe Martin' }).click();
  await until(a.page, () => document.querySelector('#message-list .msg:last-child .text')?.textContent === 'Are we still on for lunch tomorrow?', null, 'A: Chloe\'s newest page');
  const firstPage = await a.page.locator('#message-list .msg').count();
  assert.ok(firstPage < HISTORY + 1, `the first page is a page (${firstPage})`);
  const anchor = a.page.locator('#message-list .msg').first();
  const anchorText = await anchor.locator('.text').innerText();
  await a.page.locator('#messages').evaluate((box) => { box.scrollTop = 0; });
  await until(a.page, (n) => document.querySelectorAll('#message-list .msg').length === n, HISTORY + 1, 'A: older messages loaded');
  await until(a.page, () => document.getElementById('older').dataset.state === 'start', null, 'A: beginning of the chat');
  const kept = await a.page.locator('#message-list .msg', { hasText: anchorText }).boundingBox();
  const box = await a.page.locator('#messages').boundingBox();
  assert.ok(kept && kept.y >= box.y && kept.y < box.y + box.height, 'the message A was reading stays on screen');
  await shot(a.page, 'laptop-a-history.png');
  await a.context.close();

  // Chromium itself logs the refused WebSocket connections while Centrifugo was down.
  await composePair('laptop-a.png', 'phone-chat.png', 'pair.png');

  const unexpected = problems.filter((p) => !/WebSocket connection to .* failed/.test(p));
  assert.deepEqual(unexpected, [], 'no console errors or failed requests');
});

test('the demo routes refuse bad input and exist only with --demo', async () => {
  const post = (body) => fetch(`${stack.apiUrl}/demo/sign-in`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal((await post({ name: '  ' })).status, 422);
  assert.equal((await post({ name: 'x'.repeat(41) })).status, 422);
  assert.equal((await post({ user_id: 999999 })).status, 404);
  const again = await (await post({ name: 'anna schmidt' })).json();
  assert.equal(again.user.name, 'Anna Schmidt', 'a name in another case picks the same user');
  const page = await fetch(`${stack.apiUrl}/`);
  assert.match(page.headers.get('content-security-policy') || '', /default-src 'self'/);
  const licence = await fetch(`${stack.apiUrl}/demo/assets/centrifuge.LICENSE`);
  assert.match(await licence.text(), /MIT License/);
});
