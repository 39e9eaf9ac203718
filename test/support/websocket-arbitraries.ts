import fc from 'fast-check';
import { closePayload, Opcode, type FrameOptions } from './raw-websocket.js';

const MESSAGE_TYPES = ['connection_init', 'connection_ack', 'ping', 'pong', 'subscribe', 'next', 'error', 'complete'];

const QUERIES = [
  '{ me { userId } }',
  'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg } }',
  'subscription { presenceChanged(userIds: []) { userId } }',
  'mutation($msg: String) { setStatus(statusMsg: $msg) { statusMsg } }',
  '{ me { userId ',
  'query A { me { userId } } query B { me { userId } }',
  '{ __schema { types { name } } }',
];

/** Operation ids from a small pool, so subscribe and complete often meet the same id, and long ones. */
const operationId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('1', '2', 'same') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 300 }) },
);

const variables = fc.dictionary(
  fc.constantFrom('ids', 'msg', 'other'),
  fc.oneof(fc.array(fc.constantFrom('@nobody:test', 'not an id', '')), fc.jsonValue({ maxDepth: 2 })),
);

/** Messages a client may send, well formed; what they ask for may still be wrong or refused. */
export const wellFormedMessage = fc
  .oneof(
    { weight: 4, arbitrary: fc.record({ type: fc.constant('subscribe'), id: operationId, payload: fc.record({ query: fc.constantFrom(...QUERIES), variables }, { requiredKeys: ['query'] }) }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('complete'), id: operationId }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constantFrom('ping', 'pong'), payload: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: ['type'] }) },
  )
  .map((message) => JSON.stringify(message));

const subscribePayload = fc.record(
  {
    query: fc.oneof(fc.constantFrom(...QUERIES), fc.string()),
    variables: fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom('ids', 'msg', 'other'), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 2 })),
    operationName: fc.oneof(fc.constantFrom('A', 'B'), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

const initPayload = fc.record(
  { authorization: fc.oneof(fc.string(), fc.string().map((token) => `Bearer ${token}`), fc.jsonValue({ maxDepth: 1 })) },
  { requiredKeys: [] },
);

/** graphql-transport-ws messages with the right shape or nearly: wrong types, ids and payloads. */
export const graphqlWsMessage = fc
  .record(
    {
      type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MESSAGE_TYPES) }, { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer()) }),
      id: fc.oneof(operationId, fc.constant(''), fc.integer()),
      payload: fc.oneof(subscribePayload, initPayload, fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: ['type'] },
  )
  .map((message) => JSON.stringify(message));

/** Text for a text frame: a message as above, any JSON, or not JSON at all. */
export const graphqlWsText = fc.oneof(
  { weight: 2, arbitrary: wellFormedMessage },
  { weight: 3, arbitrary: graphqlWsMessage },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constantFrom('', '{not json', '{"type":', 'null', '[]')) },
);

/** Bytes that are not UTF-8: a valid prefix, then a stray, overlong or truncated sequence. */
const invalidUtf8 = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom([0xff], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]))
  .map(([prefix, bad]) => Buffer.concat([Buffer.from(prefix), Buffer.from(bad)]));

/** Close codes anywhere in 0–65535, weighted towards the edges of the valid ranges. */
export const closeCode = fc.oneof(
  fc.constantFrom(0, 999, 1000, 1001, 1004, 1005, 1006, 1011, 1015, 1016, 2999, 3000, 4999, 5000, 65535),
  fc.integer({ min: 0, max: 65535 }),
);

const payload = (maxPayloadBytes: number) =>
  fc.oneof(
    { weight: 4, arbitrary: graphqlWsText.map((text) => Buffer.from(text)) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 2, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.tuple(closeCode, fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 124, maxLength: 130 }))).map(([code, reason]) => closePayload(code, reason)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1024 }).map((extra) => Buffer.alloc(maxPayloadBytes + extra, 0x61)) },
  );

/**
 * Any frame a client could write: every opcode (reserved ones too), RSV bits, masked or not,
 * fragments, and now and then a declared length that is not the payload's.
 */
export const anyFrame = (maxPayloadBytes: number): fc.Arbitrary<FrameOptions> =>
  fc.record({
    opcode: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(Opcode.Text, Opcode.Text, Opcode.Text, Opcode.Binary, Opcode.Close, Opcode.Ping, Opcode.Pong, Opcode.Continuation) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
    ),
    payload: payload(maxPayloadBytes),
    fin: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    masked: fc.oneof({ weight: 14, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    declaredLength: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) }),
  });
