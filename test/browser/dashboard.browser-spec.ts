import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TestClient, uniqueName } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The page's globals, for the functions Playwright runs in it (the tests compile without the DOM library). */
declare const document: any;
declare const window: any;

const enc = encodeURIComponent;
const DASHBOARD = '/_presence-rooms/dashboard/';
/** Where the screenshot goes; DASHBOARD_SCREENSHOT=docs/dashboard.png renews the README's. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), 'presence-rooms-dashboard.png');

/**
 * Debian's Chromium, headless. The closed network refuses Chromium's own background
 * connections, so they are switched off rather than left to time out.
 */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Opens the dashboard and records every URL the page asks for. */
async function open(browser: Browser, server: TestServer, viewport: { width: number; height: number }): Promise<{ page: Page; requested: string[] }> {
  const page = await browser.newPage({ viewport });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('websocket', (socket) => requested.push(socket.url()));
  await page.goto(`${server.baseUrl}${DASHBOARD}`);
  return { page, requested };
}

async function signIn(page: Page, username: string, password: string, userId: string): Promise<void> {
  await page.fill('#login-form input[name=user]', username);
  await page.fill('#login-form input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction((id) => document.getElementById('whoami')?.textContent === id, userId);
}

describe('the presence dashboard in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const adminName = uniqueName('admin');
  const adminPassword = 'dashboard-admin-password';

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: `@${adminName}:localhost`, PROFILE_DEFAULT_VISIBILITY: 'public' });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in, follows a user and shows their presence change live, with the timeline and the legacy chart', async () => {
    const admin = await TestClient.register(server.baseUrl, adminName, adminPassword);
    const bob = await TestClient.register(server.baseUrl, uniqueName('bob'));
    await bob.ok('PUT', `/profile/${enc(bob.userId)}/displayname`, { displayname: 'Bob' });
    const { page, requested } = await open(browser, server, { width: 1280, height: 860 });
    await signIn(page, adminName, adminPassword, admin.userId);

    await page.fill('#follow-form input[name=users]', `${bob.userId}, ${admin.userId}`);
    await page.click('#follow-form button[type=submit]');
    const bobItem = `#people li[data-user-id="${bob.userId}"]`;
    await page.waitForSelector(`${bobItem}[data-state="offline"]`);
    await page.waitForSelector('#connection.live');

    // The legacy chart is there for an admin; note its count before the PUT.
    await page.waitForSelector('#legacy:not([hidden]) g[data-surface="presence_put"]');
    const callsBefore = Number(await page.getAttribute('g[data-surface="presence_put"]', 'data-calls'));

    await bob.ok('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'online', status_msg: 'Reviewing the dashboard' });
    await page.waitForSelector(`${bobItem}[data-state="online"]`);
    expect(await page.textContent(`${bobItem} .status`)).toBe('Reviewing the dashboard');
    expect(await page.textContent(`${bobItem} .name`)).toBe(`Bob (${bob.userId})`);
    expect(await page.textContent(`${bobItem} .active`)).toMatch(/active/);
    await page.waitForFunction((id) => document.querySelector('#timeline li')?.textContent?.includes(`${id}: offline → online`), bob.userId);

    await bob.ok('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'busy', status_msg: 'In a meeting' });
    await page.waitForSelector(`${bobItem}[data-state="busy"]`);
    await page.waitForFunction(
      (before) => Number(document.querySelector('g[data-surface="presence_put"]')?.getAttribute('data-calls')) >= before + 2,
      callsBefore,
    );
    expect(await page.locator('#timeline li').count()).toBeGreaterThanOrEqual(2);

    // The query box runs GraphQL over HTTP with the signed-in token.
    await page.fill('#query-form textarea[name=query]', `{ presence(userId: "${bob.userId}") { state statusMsg } }`);
    await page.click('#query-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('query-result')?.textContent?.includes('In a meeting'));

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const origin = new URL(server.baseUrl).host;
    expect(requested.filter((url) => new URL(url).host !== origin)).toEqual([]);
    expect(requested.some((url) => url.startsWith('ws://') && url.endsWith('/graphql'))).toBe(true);
    await page.close();
  });

  it('fits a phone-sized screen and signs in with an access token', async () => {
    const carol = await TestClient.register(server.baseUrl, uniqueName('carol'));
    const { page } = await open(browser, server, { width: 390, height: 844 });
    await page.fill('#token-form input[name=token]', carol.accessToken);
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction((id) => document.getElementById('whoami')?.textContent === id, carol.userId);
    // Not an admin: no legacy chart.
    expect(await page.isHidden('#legacy')).toBe(true);
    await page.fill('#follow-form input[name=users]', carol.userId);
    await page.click('#follow-form button[type=submit]');
    await page.waitForSelector(`#people li[data-user-id="${carol.userId}"][data-state]:not([data-state=""])`);
    const overflow: number = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
