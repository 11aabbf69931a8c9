#!/usr/bin/env node
// Drives Debian's headless Chromium over the DevTools protocol (no dependencies;
// needs `node --experimental-websocket` on Node 20) to take screenshots and run
// a few interaction checks against the fake API.
//
//   node --experimental-websocket dev/shoot.mjs http://127.0.0.1:8787/dashboard/ /tmp/shots
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[2] ?? 'http://127.0.0.1:8787/dashboard/';
const outDir = process.argv[3] ?? '/tmp/shots';
const only = process.argv[4] ?? '';
mkdirSync(outDir, { recursive: true });
const port = 9300 + Math.floor(Math.random() * 500);
const profile = mkdtempSync(join(tmpdir(), 'shoot-'));
const chrome = spawn('chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
  `--remote-debugging-port=${port}`, 'about:blank',
], { stdio: 'ignore' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let ws;
let id = 0;
const pending = new Map();
const problems = [];

async function connect() {
  for (let i = 0; i < 50; i += 1) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const pageTarget = list.find((t) => t.type === 'page');
      if (pageTarget) return pageTarget.webSocketDebuggerUrl;
    } catch { /* not up yet */ }
    await sleep(200);
  }
  throw new Error('chromium did not start');
}

function send(method, params = {}) {
  const msgId = ++id;
  ws.send(JSON.stringify({ id: msgId, method, params }));
  return new Promise((resolve, reject) => pending.set(msgId, { resolve, reject, method }));
}

async function evaluate(expression) {
  const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
  return r.result.value;
}

async function viewport(width, height, dark) {
  await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: width < 500 });
  await send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }] });
}

async function load(target = url) {
  await send('Page.navigate', { url: target });
  await sleep(1800);
}

async function shot(name, fullPage = false) {
  const params = { format: 'png' };
  if (fullPage) {
    const { cssContentSize } = await send('Page.getLayoutMetrics');
    params.clip = { x: 0, y: 0, width: cssContentSize.width, height: Math.min(cssContentSize.height, 4000), scale: 1 };
    params.captureBeyondViewport = true;
  }
  const { data } = await send('Page.captureScreenshot', params);
  const file = join(outDir, `${name}.png`);
  writeFileSync(file, Buffer.from(data, 'base64'));
  console.log('shot', file);
}

const click = (selector) => evaluate(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); if (!el) throw new Error('missing ' + ${JSON.stringify(selector)}); el.click(); return true; })()`);
const count = (selector) => evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
const text = (selector) => evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);

function check(label, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? ` (${detail})` : ''}`);
  if (!ok) problems.push(label);
}

/** Expand the first failed card and the first card with a slowest component. */
async function expandInteresting() {
  await evaluate(`(() => {
    const cards = [...document.querySelectorAll('[data-testid=trace-card]')];
    const failed = cards.find((c) => c.dataset.status === 'error');
    const slow = cards.find((c) => c.querySelector('[data-testid=slowest-chip]') && c !== failed);
    const running = cards.find((c) => c.dataset.running === 'true');
    for (const c of [running, failed, slow]) c?.querySelector('.card__summary')?.click();
    return true;
  })()`);
  await sleep(200);
  await evaluate(`document.querySelector('[data-testid=error-block] button[aria-expanded]')?.click(), true`);
  await sleep(200);
}

async function main() {
  ws = new WebSocket(await connect());
  await new Promise((r) => ws.addEventListener('open', r, { once: true }));
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
    } else if (msg.method === 'Runtime.exceptionThrown') {
      problems.push(`exception: ${msg.params.exceptionDetails.exception?.description ?? msg.params.exceptionDetails.text}`);
    } else if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'warning'].includes(msg.params.type)) {
      console.log('console', msg.params.type, msg.params.args.map((a) => a.value ?? a.description).join(' '));
    }
  });
  await send('Runtime.enable');
  await send('Page.enable');

  if (only === 'token') return tokenFlow();
  if (only === 'outage') return outageFlow();
  if (only === 'burst') return burstFlow();
  if (only === 'outage-burst') return outageFlow().then(() => burstFlow(false));
  if (only.startsWith('state:')) return stateShots(only.slice(6));
  for (const dark of [false, true]) {
    if (only && only !== (dark ? 'dark' : 'light')) continue;
    const mode = dark ? 'dark' : 'light';
    await viewport(1280, 900, dark);
    await load();
    await expandInteresting();
    await shot(`desktop-${mode}`);
    await shot(`desktop-${mode}-full`, true);
    await viewport(390, 844, dark);
    await load();
    await expandInteresting();
    await shot(`mobile-${mode}`);
    await shot(`mobile-${mode}-full`, true);
    await evaluate(`document.querySelector('[data-testid=error-block]')?.scrollIntoView({ block: 'center' }), true`);
    await sleep(150);
    await shot(`mobile-${mode}-failed`);
  }
  if (only) return;

  // Interaction checks (light, desktop).
  await viewport(1280, 900, false);
  await load();
  const cards = await count('[data-testid=trace-card]');
  check('cards rendered', cards > 5, `${cards}`);
  check('view mode text', /shared via Redis/.test(await text('[data-testid=view-mode]') ?? ''), await text('[data-testid=view-mode]'));
  check('live status', (await text('[data-testid=live-status]')) === 'Live', await text('[data-testid=live-status]'));
  check('xss not executed', (await evaluate('window.__xss === undefined')) === true);
  await expandInteresting();
  const unnamed = await evaluate(`[...document.querySelectorAll('button, input, [role=button]')].filter((el) => {
    const label = el.getAttribute('aria-label') || el.textContent.trim() || (el.id && document.querySelector('label[for="' + el.id + '"]')?.textContent);
    return !label;
  }).map((el) => el.outerHTML.slice(0, 80))`);
  check('every control has an accessible name', unnamed.length === 0, unnamed.join(' | '));
  await evaluate(`document.querySelector('[data-testid=search-input]').focus(), true`);
  await send('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9 });
  await send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9 });
  const focusRing = await evaluate(`(() => { const el = document.activeElement; return el.dataset.testid + ' ' + getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth; })()`);
  check('keyboard focus shows an outline', /sort-toggle solid 2px/.test(focusRing), focusRing);
  await click('[data-testid=filter-upper]');
  await sleep(150);
  const onlyUpper = await evaluate(`[...document.querySelectorAll('[data-testid=trace-card]')].every((c) => c.querySelector('.card__name').textContent === 'upper')`);
  check('pipeline filter', onlyUpper);
  check('stats follow filter', (await text('[data-testid=stat-count]')) === String(await count('[data-testid=trace-card]')));
  await click('[data-testid=filter-all]');
  await click('[data-testid=sort-toggle]');
  await sleep(150);
  const durations = await evaluate(`[...document.querySelectorAll('[data-testid=trace-card][data-running=false]')].length`);
  check('sort toggled', (await evaluate(`document.querySelector('[data-testid=sort-toggle]').dataset.sort`)) === 'slowest', `${durations} finished`);
  await click('[data-testid=sort-toggle]');
  await evaluate(`(() => { const i = document.querySelector('[data-testid=search-input]'); i.value = 'PipelineRuntimeError'; i.dispatchEvent(new Event('input', { bubbles: true })); return true; })()`);
  await sleep(150);
  const statuses = await evaluate(`[...document.querySelectorAll('[data-testid=trace-card]')].map((c) => c.dataset.status)`);
  check('search by error text', statuses.length > 0 && statuses.every((st) => st === 'error'), statuses.join(','));
  await evaluate(`(() => { const i = document.querySelector('[data-testid=search-input]'); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true })); return true; })()`);
  await click('[data-testid=theme-toggle]');
  check('theme toggle', (await evaluate('document.documentElement.dataset.theme')) === 'dark');
  await click('[data-testid=theme-toggle]');
  await sleep(4000);
  check('new traces announced', ((await text('[data-testid=live-announcer]')) ?? '').includes('new trace'), await text('[data-testid=live-announcer]'));
  await click('[data-testid=clear-button]');
  await sleep(200);
  check('confirm dialog open', await evaluate(`document.querySelector('[data-testid=confirm-dialog]').open`));
  check('cancel focused', await evaluate(`document.activeElement?.textContent === 'Cancel'`));
  await shot('clear-dialog');
  await click('[data-testid=clear-confirm]');
  await sleep(400);
  check('cleared', (await count('[data-testid=trace-card]')) <= 1, `${await count('[data-testid=trace-card]')}`);
  await shot('after-clear');
}

/** Header/banner states (per-worker, degraded, polling, unreachable…): one desktop + one mobile shot. */
async function stateShots(name) {
  await viewport(1280, 900, false);
  await load();
  await shot(`state-${name}`);
  await viewport(390, 844, false);
  await load();
  await shot(`state-${name}-mobile`);
  console.log('view-mode:', await text('[data-testid=view-mode]'), '| live:', await text('[data-testid=live-status]'),
    '| degraded:', await text('[data-testid=degraded-badge]'), '| banner:', await text('[data-testid=unreachable-banner]'));
}

/** The server drops off for 8 s: banner + offline, then recovery. */
async function outageFlow() {
  await viewport(1280, 900, false);
  await load();
  await evaluate(`fetch(new URL('api/__outage?ms=8000', location.href), { method: 'POST' }).then(() => true)`);
  await sleep(4000);
  check('unreachable banner', !!(await text('[data-testid=unreachable-banner]')), await text('[data-testid=unreachable-banner]'));
  check('offline status', ['Offline', 'Reconnecting…'].includes(await text('[data-testid=live-status]')), await text('[data-testid=live-status]'));
  await shot('state-unreachable');
  await sleep(14000);
  check('recovered', (await text('[data-testid=unreachable-banner]')) === null);
  check('live again', ['Live', 'Polling · 2.5 s'].includes(await text('[data-testid=live-status]')), await text('[data-testid=live-status]'));
}

/** Bursts bigger than fetch_limit must not lose traces: compare the DOM with the server's list. */
async function burstFlow(reload = true) {
  await viewport(1280, 900, false);
  if (reload) await load();
  await sleep(Number(process.env.BURST_WAIT_MS ?? 23000));
  const result = await evaluate(`(async () => {
    const res = await fetch(new URL('api/traces?limit=1000', location.href));
    // Only traces stored at least 3 s ago: anything newer may legitimately still be in flight.
    const settled = Date.now() - 3000;
    const server = (await res.json()).traces.filter((t) => Number(t.cursor.split('-')[0]) < settled).map((t) => t.trace_id).sort();
    const dom = [...document.querySelectorAll('[data-testid=trace-card]')].map((c) => c.dataset.traceId).sort();
    const stillRunning = [...document.querySelectorAll('[data-testid=trace-card][data-running=true]')].length;
    const missing = server.filter((id) => !dom.includes(id));
    return { server: server.length, dom: dom.length, missing: missing.length, stillRunning, cap: document.querySelector('[data-testid=stat-count]')?.textContent };
  })()`);
  check('no trace lost in bursts', result.missing === 0 && result.server > 0, JSON.stringify(result));
}

async function tokenFlow() {
  await viewport(1280, 900, false);
  await load();
  check('token dialog shown', await evaluate(`!!document.querySelector('[data-testid=token-dialog]')?.open`));
  check('token input focused', await evaluate(`document.activeElement?.dataset.testid === 'token-input'`));
  const type = (value) => evaluate(`(() => { const i = document.querySelector('[data-testid=token-input]'); i.value = ${JSON.stringify(value)}; i.dispatchEvent(new Event('input', { bubbles: true })); return true; })()`);
  await type('wrong');
  await click('[data-testid=token-submit]');
  await sleep(300);
  check('wrong token message', ((await text('[data-testid=token-error]')) ?? '').includes('Wrong token'));
  await shot('token-wrong');
  await type(process.env.TOKEN ?? 'secret');
  await click('[data-testid=token-submit]');
  await sleep(1200);
  check('dialog closed after login', await evaluate(`!document.querySelector('[data-testid=token-dialog]')`));
  check('traces loaded after login', (await count('[data-testid=trace-card]')) > 0);
  check('live after login', (await text('[data-testid=live-status]')) === 'Live', await text('[data-testid=live-status]'));
}

main()
  .catch((e) => problems.push(String(e)))
  .finally(() => {
    if (problems.length) console.log('PROBLEMS:\n ' + problems.join('\n '));
    chrome.kill();
    setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500);
    setTimeout(() => process.exit(problems.length ? 1 : 0), 700);
  });
