import { request, TestClient } from './support/client.js';
import { presenceOf } from './support/presence.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Every read path of a user's presence and profile room, for every kind of viewer, under both
 * privacy settings: exactly who sees what (PRODUCT.md sections 3 and 7).
 */
const enc = encodeURIComponent;
type Viewer = 'owner' | 'room-mate' | 'invited' | 'stranger' | 'unauthenticated';
type Privacy = 'public' | 'restricted';
const VIEWERS: Viewer[] = ['owner', 'room-mate', 'invited', 'stranger', 'unauthenticated'];

/** Expected outcome per path: true = sees it, false = refused (403, or simply absent for /sync). */
const EXPECTED: Record<string, Record<Privacy, Record<Viewer, boolean | 'no-token'>>> = {
  'GET /presence/{userId}/status': {
    public: { owner: true, 'room-mate': true, invited: true, stranger: true, unauthenticated: 'no-token' },
    restricted: { owner: true, 'room-mate': true, invited: true, stranger: false, unauthenticated: 'no-token' },
  },
  '/sync presence': {
    public: { owner: true, 'room-mate': true, invited: false, stranger: false, unauthenticated: 'no-token' },
    restricted: { owner: true, 'room-mate': true, invited: false, stranger: false, unauthenticated: 'no-token' },
  },
  'GET /rooms/{profileRoom}/initialSync': {
    public: { owner: true, 'room-mate': true, invited: true, stranger: true, unauthenticated: 'no-token' },
    restricted: { owner: true, 'room-mate': true, invited: true, stranger: false, unauthenticated: 'no-token' },
  },
  'GET /events?room_id={profileRoom}': {
    public: { owner: true, 'room-mate': true, invited: true, stranger: true, unauthenticated: 'no-token' },
    restricted: { owner: true, 'room-mate': true, invited: true, stranger: false, unauthenticated: 'no-token' },
  },
  'POST msc2753/peek/{profileRoom}': {
    // The owner is joined to their own profile room: there is nothing to peek (400 M_BAD_STATE).
    public: { owner: false, 'room-mate': true, invited: true, stranger: true, unauthenticated: 'no-token' },
    restricted: { owner: false, 'room-mate': true, invited: true, stranger: false, unauthenticated: 'no-token' },
  },
};

describe('authorization matrix', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PEEK_PER_SECOND: '1000', RATE_LIMIT_PEEK_BURST: '1000' });
  });

  afterAll(() => server.close());

  for (const privacy of ['public', 'restricted'] as Privacy[]) {
    describe(`${privacy} profile`, () => {
      const clients = {} as Record<Exclude<Viewer, 'unauthenticated'>, TestClient>;
      let profileRoom: string;

      beforeAll(async () => {
        const [owner, mate, invited, stranger] = await Promise.all(Array.from({ length: 4 }, () => TestClient.register(server.baseUrl)));
        Object.assign(clients, { owner, 'room-mate': mate, invited, stranger });
        profileRoom = await owner.profileRoomId();
        await owner.setState(profileRoom, 'm.profile.privacy', '', { visibility: privacy });
        const shared = await owner.createRoom({ preset: 'public_chat' });
        await mate.join(shared);
        await owner.invite(profileRoom, invited.userId);
        await owner.ok('PUT', `/presence/${enc(owner.userId)}/status`, { presence: 'online', status_msg: `${privacy} status` });
      });

      const attempt = async (path: string, viewer: Viewer): Promise<{ status: number; sees: boolean }> => {
        const owner = clients.owner;
        const token = viewer === 'unauthenticated' ? null : clients[viewer].accessToken;
        const call = (method: string, url: string, body?: unknown, query?: Record<string, string | number>) =>
          request(server.baseUrl, method, url, body, { token, query });
        switch (path) {
          case 'GET /presence/{userId}/status': {
            const response = await call('GET', `/presence/${enc(owner.userId)}/status`);
            return { status: response.status, sees: response.status === 200 && response.body.status_msg === `${privacy} status` };
          }
          case '/sync presence': {
            const response = await call('GET', '/sync', undefined, { set_presence: 'offline' });
            return { status: response.status, sees: response.status === 200 && presenceOf(response.body, owner.userId)?.presence === 'online' };
          }
          case 'GET /rooms/{profileRoom}/initialSync': {
            const response = await call('GET', `/rooms/${enc(profileRoom)}/initialSync`);
            return { status: response.status, sees: response.status === 200 && Array.isArray(response.body.state) };
          }
          case 'GET /events?room_id={profileRoom}': {
            const response = await call('GET', '/events', undefined, { room_id: profileRoom, timeout: 0 });
            return { status: response.status, sees: response.status === 200 };
          }
          case 'POST msc2753/peek/{profileRoom}': {
            const response = await call('POST', `/_matrix/client/unstable/org.matrix.msc2753/peek/${enc(profileRoom)}`, {});
            return { status: response.status, sees: response.status === 200 };
          }
          default:
            throw new Error(path);
        }
      };

      for (const [path, byPrivacy] of Object.entries(EXPECTED)) {
        for (const viewer of VIEWERS) {
          const expected = byPrivacy[privacy][viewer];
          const outcome = expected === 'no-token' ? 'needs a token (401)' : expected ? 'sees it' : 'is refused';
          it(`${path}: ${viewer} ${outcome}`, async () => {
            const { status, sees } = await attempt(path, viewer);
            if (expected === 'no-token') expect(status).toBe(401);
            else expect(sees).toBe(expected);
            if (expected === false && path !== '/sync presence') expect([400, 403]).toContain(status);
          });
        }
      }
    });
  }
});
