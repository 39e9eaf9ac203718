// The live presence dashboard: sign in, follow users through the GraphQL presenceChanged
// subscription (graphql-ws, served by this server), keep a timeline of their changes, and, for
// server admins, chart who still calls the legacy presence surfaces.
import { drawLegacyChart } from './chart.js';
import { graphql, legacyUsage, login, logout, whoami } from './api.js';

const TOKEN_KEY = 'presence-rooms.dashboard.token';
const FOLLOW_KEY = 'presence-rooms.dashboard.follow';
const LEGACY_REFRESH_MS = 3000;
const TIMELINE_LENGTH = 100;
/** graphql-ws close codes for a missing or refused token. */
const TOKEN_REFUSED = new Set([4401, 4403]);
const PRESENCE_FIELDS = 'userId displayName state statusMsg currentlyActive lastActiveTs';

const $ = (id) => document.getElementById(id);
const state = { token: null, userId: null, client: null, unsubscribe: null, people: new Map(), legacyTimer: null };

function followed() {
  try {
    return JSON.parse(localStorage.getItem(FOLLOW_KEY) ?? '[]');
  } catch {
    return [];
  }
}

function setFollowed(userIds) {
  localStorage.setItem(FOLLOW_KEY, JSON.stringify(userIds));
}

/** "active now", "last active 5 min ago", or nothing known. */
function lastActive(person) {
  if (person.currentlyActive) return 'active now';
  if (!person.lastActiveTs) return 'never active';
  const seconds = Math.max(0, Math.round((Date.now() - person.lastActiveTs) / 1000));
  if (seconds < 60) return `last active ${seconds} s ago`;
  if (seconds < 3600) return `last active ${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `last active ${Math.round(seconds / 3600)} h ago`;
  return `last active ${new Date(person.lastActiveTs).toLocaleString()}`;
}

function text(tag, className, content) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = content;
  return node;
}

function renderPeople() {
  const items = followed().map((userId) => {
    const person = state.people.get(userId) ?? { userId, state: 'OFFLINE', pending: true };
    const item = document.createElement('li');
    item.className = `person ${String(person.state).toLowerCase()}`;
    item.dataset.userId = userId;
    item.dataset.state = person.pending ? '' : String(person.state).toLowerCase();
    const remove = text('button', 'unfollow', '×');
    remove.type = 'button';
    remove.title = `Stop following ${userId}`;
    remove.addEventListener('click', () => follow(followed().filter((id) => id !== userId)));
    // A display name that only repeats the localpart (the default) adds nothing.
    const named = person.displayName && person.displayName !== userId.slice(1).split(':')[0];
    item.append(text('span', 'dot', ''), text('span', 'name', named ? `${person.displayName} (${userId})` : userId), remove);
    if (person.error) item.append(text('span', 'error', person.error));
    else {
      item.append(text('span', 'state', person.pending ? 'waiting…' : person.state));
      item.append(text('span', 'status', person.statusMsg ?? ''));
      item.append(text('span', 'active', person.pending ? '' : lastActive(person)));
    }
    return item;
  });
  $('people').replaceChildren(...items);
}

function addToTimeline(person, previous) {
  const entry = document.createElement('li');
  const time = text('time', '', new Date().toLocaleTimeString());
  const what = previous && previous.state !== person.state ? `${previous.state} → ${person.state}` : person.state;
  const status = person.statusMsg ? ` “${person.statusMsg}”` : '';
  entry.append(time, document.createTextNode(`${person.userId}: ${what.toLowerCase()}${status}${person.currentlyActive ? ' (active)' : ''}`));
  $('timeline').prepend(entry);
  while ($('timeline').children.length > TIMELINE_LENGTH) $('timeline').lastElementChild.remove();
}

function changed(before, after) {
  return ['state', 'statusMsg', 'currentlyActive', 'displayName'].some((field) => before[field] !== after[field]);
}

function connection(live) {
  $('connection').textContent = live ? 'live' : 'offline';
  $('connection').classList.toggle('live', live);
}

/** (Re)subscribes to the followed users' presence; each message updates one user. */
function subscribe() {
  state.unsubscribe?.();
  state.unsubscribe = null;
  const userIds = followed();
  renderPeople();
  if (userIds.length === 0) return;
  state.unsubscribe = state.client.subscribe(
    { query: `subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { ${PRESENCE_FIELDS} } }`, variables: { ids: userIds } },
    {
      next: ({ data, errors }) => {
        const refused = errors?.find((error) => error.extensions?.userId);
        if (refused) {
          state.people.set(refused.extensions.userId, { userId: refused.extensions.userId, error: refused.message });
        } else if (data?.presenceChanged) {
          const person = data.presenceChanged;
          const previous = state.people.get(person.userId);
          state.people.set(person.userId, person);
          // A resubscription repeats the current values: only what changed joins the timeline.
          if (previous && !previous.error && changed(previous, person)) addToTimeline(person, previous);
        }
        renderPeople();
      },
      error: (error) => {
        $('sign-in-error').textContent = `Subscription failed: ${error?.message ?? error?.reason ?? 'connection closed'}`;
      },
      complete: () => undefined,
    },
  );
}

function follow(userIds) {
  setFollowed([...new Set(userIds)]);
  for (const userId of state.people.keys()) if (!userIds.includes(userId)) state.people.delete(userId);
  subscribe();
}

async function refreshLegacy() {
  try {
    const report = await legacyUsage(state.token);
    $('legacy').hidden = report === null;
    if (report) drawLegacyChart($('legacy-chart'), report);
    else clearInterval(state.legacyTimer);
  } catch {
    // Kept as it was until the next refresh.
  }
}

async function signIn(token) {
  const userId = await whoami(token);
  state.token = token;
  state.userId = userId;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('whoami').textContent = userId;
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  $('sign-out').hidden = false;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  state.client = window.graphqlWs.createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    // Reconnect after a restart (1001) or a network failure, not when the token was refused.
    retryAttempts: Infinity,
    shouldRetry: (event) => !TOKEN_REFUSED.has(event?.code),
    on: {
      connected: () => connection(true),
      closed: (event) => {
        connection(false);
        if (TOKEN_REFUSED.has(event?.code)) void signOut();
      },
    },
  });
  subscribe();
  await refreshLegacy();
  state.legacyTimer = setInterval(refreshLegacy, LEGACY_REFRESH_MS);
}

async function signOut() {
  state.unsubscribe?.();
  await state.client?.dispose();
  clearInterval(state.legacyTimer);
  if (state.token) await logout(state.token).catch(() => undefined);
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

function wire() {
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await signIn(await login(String(form.get('user')), String(form.get('password'))));
    } catch (error) {
      $('sign-in-error').textContent = error.message;
    }
  });
  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await signIn(String(new FormData(event.target).get('token')).trim());
    } catch (error) {
      $('sign-in-error').textContent = error.message;
    }
  });
  $('follow-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const added = String(new FormData(event.target).get('users')).split(/[\s,]+/).filter((id) => /^@[^:]+:.+$/.test(id));
    follow([...followed(), ...added]);
    event.target.reset();
  });
  $('query-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const variables = JSON.parse(String(form.get('variables') || '{}'));
      $('query-result').textContent = JSON.stringify(await graphql(state.token, String(form.get('query')), variables), null, 2);
    } catch (error) {
      $('query-result').textContent = error.message;
    }
  });
  $('sign-out').addEventListener('click', () => void signOut());
  // Relative times move on without any change.
  setInterval(renderPeople, 10_000);
}

wire();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved).catch(() => sessionStorage.removeItem(TOKEN_KEY));
