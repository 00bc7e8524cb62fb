// Smoke test for the e2e toolchain: connects to a running Centrifugo with centrifuge-js.
// Starts nothing itself. Env: CENTRIFUGO_WS (e.g. ws://127.0.0.1:8000/connection/websocket)
// and TOKEN (a connection JWT). Prints "connected" and exits 0; exits 1 with a message on
// any error, on disconnect, or after a 5 s timeout.
//
// Node 20 has no global WebSocket, so centrifuge-js is given the `ws` implementation.
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const TIMEOUT_MS = 5000;

let done = false; // set once we decided the outcome; later events are ignored

function finish(code, msg) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  if (msg) (code === 0 ? console.log : console.error)(code === 0 ? msg : `smoke: ${msg}`);
  if (client) client.disconnect();
  process.exit(code);
}

function fail(msg) {
  finish(1, msg);
}

let timer;
let client;

const url = process.env.CENTRIFUGO_WS;
const token = process.env.TOKEN;
if (!url) fail('CENTRIFUGO_WS is not set (e.g. ws://127.0.0.1:8000/connection/websocket)');
if (!token) fail('TOKEN is not set (a Centrifugo connection JWT)');

client = new Centrifuge(url, { token, websocket: WebSocket });

timer = setTimeout(() => {
  fail(`not connected to ${url} after ${TIMEOUT_MS / 1000}s`);
}, TIMEOUT_MS);

client.on('connected', (ctx) => {
  if (done) return;
  console.error(`smoke: client id ${ctx.client}, transport ${ctx.transport}`);
  finish(0, 'connected');
});

client.on('error', (ctx) => {
  const e = ctx.error || {};
  fail(`${ctx.type} error: ${e.message || JSON.stringify(e)} (code ${e.code ?? '?'})`);
});

client.on('disconnected', (ctx) => {
  fail(`disconnected: ${ctx.reason} (code ${ctx.code})`);
});

client.connect();
