import fc from 'fast-check';

/** Huge strings inside bodies that stay under the 1 MB request limit. */
const HUGE_STRING_LENGTH = 200_000;

/** JSON text for a value that is awkward somewhere: the wrong type, an extreme number, a huge or deep value. */
export const awkwardJsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(
    'null',
    '[]',
    '{}',
    '[null]',
    '0',
    '-0',
    '1e308',
    '-1e308',
    '1E400',
    '1.5',
    '-1',
    '2147483648',
    '12345678901234567890123456789',
    'true',
    'false',
    '""',
    '"NaN"',
    '"Infinity"',
    '"-0"',
    '"1e308"',
    '"@user:localhost"',
    '"!room:localhost"',
    '"m.login.password"',
    '"online"',
    '{"type":"m.login.dummy"}',
    '{"type":"m.id.user","user":null}',
    '[{"type":null,"content":null}]',
    '{"timeline":{"limit":1e308}}',
  ) },
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => JSON.stringify(text)),
  fc.integer({ min: 1, max: 4 }).map((power) => JSON.stringify('x'.repeat(10 ** power))),
  fc.constant(JSON.stringify('é'.repeat(HUGE_STRING_LENGTH / 2))),
  fc.integer({ min: 10, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 10, max: 3000 }).map((depth) => `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`),
);

/** Keys the server's bodies read, so wrong values land where they are looked at. */
export const BODY_KEYS = [
  'username', 'password', 'auth', 'type', 'identifier', 'user', 'device_id', 'initial_device_display_name', 'inhibit_login',
  'refresh_token', 'room_alias_name', 'name', 'topic', 'invite', 'initial_state', 'preset', 'visibility', 'creation_content',
  'power_level_content_override', 'is_direct', 'room_version', 'reason', 'user_id', 'presence', 'status_msg', 'state',
  'typing', 'timeout', 'room_id', 'displayname', 'avatar_url', 'room', 'event_fields', 'event_format', 'account_data',
  'm.fully_read', 'm.read', 'msgtype', 'body', 'membership', 'join_rule', 'users', 'events', 'alias',
];

/** A JSON object body assembled as text, so values such as -0 and 1E400 reach the server as written. */
export const objectBodyText: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...BODY_KEYS), fc.string({ maxLength: 12 })), awkwardJsonText), { maxLength: 5 })
  .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);

/** A body that is not JSON, or not quite. */
export const brokenBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '{"a":}', '[1,]', "{'a':1}", 'NaN', 'undefined', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000', 'nul'),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Whatever a request body might be: none, a valid shape with one bad value, any JSON, or not JSON. */
export function bodyText(validBodies: string[]): fc.Arbitrary<string | undefined> {
  // One key of a valid body (mostly one it already has) set to an awkward value.
  const mutated =
    validBodies.length === 0
      ? objectBodyText
      : fc.constantFrom(...validBodies).chain((valid) => {
          const body = JSON.parse(valid) as Record<string, unknown>;
          const own = Object.keys(body);
          const anyKey = fc.constantFrom(...BODY_KEYS);
          const key = own.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...own) }, anyKey) : anyKey;
          return fc.tuple(key, awkwardJsonText).map(([name, value]) =>
            JSON.stringify({ ...body, [name]: '\u0000VALUE\u0000' }).replace('"\\u0000VALUE\\u0000"', value),
          );
        });
  // Over the 1 MB request limit: refused below the application, and still a Matrix error.
  const oversize = fc.constant(JSON.stringify({ body: 'x'.repeat(1024 * 1024 + 10) }));
  return fc.oneof(
    fc.constant(undefined),
    { weight: 4, arbitrary: mutated },
    objectBodyText,
    awkwardJsonText,
    brokenBodyText,
    ...(validBodies.length > 0 ? [fc.constantFrom(...validBodies)] : []),
    oversize,
  );
}

/** A string safe to put in a URL once percent-encoded; some are IDs the server knows. */
export function pathSegment(known: string[]): fc.Arbitrary<string> {
  const plain = fc.oneof(
    fc.constantFrom(...known),
    fc.constantFrom('', '.', '..', '%', '%00', '@', '@:', '!:', '#', '#_profile_x:localhost', 'm.room.message', 'org.example.x', ' '),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
  );
  const encoded = plain.map((text) => encodeURIComponent(text)).filter((text) => text.length > 0);
  // Undecodable percent-encoding and a parameter over the router's 1,000 characters, which the
  // HTTP layer refuses before the application.
  return fc.oneof(encoded, fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%C0%80'), fc.constant('a'.repeat(1500)));
}

/** Query parameters, possibly repeated, as [name, value] pairs; a long-poll `timeout` is cut to 50 ms, not to wait. */
export const queryPairs: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        'since', 'timeout', 'full_state', 'filter', 'set_presence', 'dir', 'from', 'to', 'limit', 'format', 'membership',
        'not_membership', 'room_id', 'kind', 'username', 'access_token',
      ),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(
      fc.constantFrom('', '0', '-1', '1e308', 'NaN', '-0', 'true', 'false', 'b', 'f', 'event', 's0_0_0', 's99999999_0_0', 'guest', 'user', 'online', '{', '[]'),
      fc.integer({ min: 0, max: 50 }).map(String),
      awkwardJsonText.filter((text) => text.length < 2000),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
  ),
  { maxLength: 4 },
).map((pairs) => pairs.map(([name, value]): [string, string] => [name, name === 'timeout' && /^\d{3,}$/.test(value) ? '50' : value]));

export function queryString(pairs: Array<[string, string]>): string {
  if (pairs.length === 0) return '';
  return `?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')}`;
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 });

/** Headers besides the token: a user agent (recorded by the legacy-usage report), Accept, and one made up. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'User-Agent': fc.oneof(printable, fc.constant('x'.repeat(4000))),
    Accept: fc.constantFrom('*/*', 'application/json', 'text/html', '', 'application/graphql-response+json'),
    'X-Fuzz': printable,
    'Accept-Encoding': fc.constantFrom('gzip', 'identity', 'br, deflate', 'nonsense'),
  },
  { requiredKeys: [] },
);

/** Whether a response body is a Matrix error: `{errcode: string, error: string}`. */
/** fast-check's report of a failure, cut short: a counterexample may hold a body of 200 KB. */
export function shortReport<T>(details: fc.RunDetails<T>): void {
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? 'property failed';
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const short = (text: string, limit: number) => (text.length > limit ? `${text.slice(0, limit)} … (${text.length} characters)` : text);
  throw new Error(`${short(report, 6000)}\nCause: ${short(cause, 4000)}`);
}

export function isMatrixError(body: unknown): boolean {
  const error = body as { errcode?: unknown; error?: unknown } | null;
  return typeof error === 'object' && error !== null && typeof error.errcode === 'string' && typeof error.error === 'string';
}
