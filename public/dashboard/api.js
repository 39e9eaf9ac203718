// The server's HTTP APIs as the dashboard uses them: Matrix sign-in, the admin legacy-usage
// report and GraphQL over HTTP, all on this page's own origin.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.errcode = body?.errcode;
  }
}

async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const parsed = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Signs in with a password; resolves with the new access token. */
export async function login(user, password) {
  const body = {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    initial_device_display_name: 'presence-rooms dashboard',
  };
  const { access_token: token } = await call('POST', '/_matrix/client/v3/login', { body });
  return token;
}

/** The user the token belongs to (rejects when it is not valid). */
export async function whoami(token) {
  return (await call('GET', '/_matrix/client/v3/account/whoami', { token })).user_id;
}

/** Ends the token's session on the server. */
export function logout(token) {
  return call('POST', '/_matrix/client/v3/logout', { token, body: {} });
}

/** Legacy usage per surface, or null for someone who is not a server admin. */
export async function legacyUsage(token) {
  try {
    return await call('GET', '/_presence-rooms/admin/legacy-usage', { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

/** Runs a GraphQL operation over HTTP; resolves with the whole response ({data, errors}). */
export async function graphql(token, query, variables) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}
