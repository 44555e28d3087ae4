// The browser test harness: Playwright (playwright-core) driving Debian's
// headless chromium against a running `citizengraph serve`.
//
// node browsertest/run.mjs [FILE.mjs …] runs the scenarios the files export
// (`export const scenarios = [{ name, run: async (t) => … }]`; without
// arguments, every *.scenario.mjs of this directory) and writes
// $CG_OUT/results.json, which the Go test (cmd/citizengraph TestBrowser)
// asserts on. Environment: CG_BASE (the serve URL), CG_FIXTURE (JSON: the
// seeded people and practices the scenarios use), CG_OUT (artifacts:
// results.json, screenshots/), CHROMIUM (default /usr/bin/chromium).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

/** launch starts headless chromium with the flags this machine needs (no network beyond loopback). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Test is one scenario's handle: pages, screenshots, accessibility checks, problems seen. */
export class Test {
  constructor(browser, name, out) {
    this.browser = browser;
    this.name = name;
    this.out = out;
    this.base = process.env.CG_BASE;
    this.fixture = JSON.parse(process.env.CG_FIXTURE || '{}');
    this.result = { name, ok: false, steps: [], screenshots: [], axe: [], problems: [] };
    this.contexts = [];
  }

  /** step logs a step of the scenario (shown when it fails). */
  async step(what, fn) {
    const started = Date.now();
    this.result.steps.push(what);
    const v = await fn();
    this.result.steps[this.result.steps.length - 1] = `${what} (${Date.now() - started} ms)`;
    return v;
  }

  /**
   * page opens a page in a fresh browser context (its own cookies and
   * storage) at the viewport ('desktop' or 'phone'), recording page errors,
   * console errors and Content Security Policy violations as problems.
   */
  async page(viewport = 'desktop', opts = {}) {
    const ctx = await this.browser.newContext({ ...viewports[viewport], locale: 'it-IT', baseURL: this.base, ...opts });
    this.contexts.push(ctx);
    // Generous: CI runs the browser beside the other packages' tests on
    // two cores.
    ctx.setDefaultTimeout(60000);
    ctx.setDefaultNavigationTimeout(60000);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => this.result.problems.push(`page error on ${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      // HTTP statuses are judged from the responses below (a GraphQL error
      // answered 4xx is no problem of the page).
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        this.result.problems.push(`console error on ${page.url()}: ${msg.text()}`);
      }
    });
    page.on('requestfailed', (req) => {
      const failure = req.failure()?.errorText ?? '';
      // Streams closed by the page itself are not failures.
      if (failure.includes('ERR_ABORTED')) return;
      this.result.problems.push(`request failed: ${req.method()} ${req.url()}: ${failure}`);
    });
    page.on('response', (resp) => {
      const url = new URL(resp.url());
      const missing = resp.status() === 404 && url.origin === new URL(this.base).origin && url.pathname !== '/graphql';
      if (resp.status() >= 500 || missing) this.result.problems.push(`${resp.status()} for ${resp.request().method()} ${resp.url()}`);
    });
    return page;
  }

  /** shot saves a full-page screenshot as screenshots/<scenario>-<name>.png. */
  async shot(page, name, opts = {}) {
    const file = join('screenshots', `${this.name}-${name}.png`.replace(/[^A-Za-z0-9._-]+/g, '-'));
    await page.screenshot({ path: join(this.out, file), fullPage: opts.fullPage ?? true, animations: 'disabled' });
    this.result.screenshots.push(file);
  }

  /**
   * axe runs axe-core on the page (WCAG 2.1 A and AA, and best practices)
   * and records its violations; serious and critical ones fail the test
   * (judged by the Go side). exclude lists selectors left out, each with its
   * reason in the results.
   */
  async axe(page, name, { exclude = [] } = {}) {
    // Evaluated through the DevTools protocol: the page's CSP (no inline
    // script) stays in force for the page itself.
    await page.evaluate(axeSource);
    const res = await page.evaluate(async (exclude) => {
      const r = await window.axe.run({ exclude: exclude.map((e) => [e.selector]) }, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        resultTypes: ['violations'],
      });
      return r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      }));
    }, exclude);
    this.result.axe.push({ page: name, url: page.url(), excluded: exclude, violations: res });
    return res;
  }

  /**
   * until polls fn (an async function returning a value or a falsy one)
   * until it returns a truthy value, and fails with what() after timeout ms.
   */
  async until(fn, what, timeout = 30000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${await what()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** graphql posts an operation to /graphql (not through the page). */
  async graphql(query, variables = {}, token = '') {
    const r = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await r.json();
    if (body.errors?.length) throw new Error(`graphql: ${JSON.stringify(body.errors)}`);
    return body.data;
  }

  /** token gets a development token (form fields of /dev/oidc/token). */
  async token(fields) {
    const r = await fetch(`${this.base}/dev/oidc/token`, { method: 'POST', body: new URLSearchParams(fields) });
    const body = await r.json();
    if (!r.ok) throw new Error(`token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }
}
