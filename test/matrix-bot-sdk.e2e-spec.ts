import { LogLevel, LogService, MatrixClient, MemoryStorageProvider } from 'matrix-bot-sdk';
import { TestClient } from './support/client.js';
import { expectMemberChangesDeliveredAlone, type RawEvent, type RawSync } from './support/sync-checks.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** A matrix-bot-sdk client that keeps every /sync response it processed, to check what the server sent. */
class RecordingBot extends MatrixClient {
  readonly syncs: RawSync[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();

  protected override async doSync(token: string): Promise<RawSync> {
    const request = super.doSync(token) as Promise<RawSync>;
    this.inFlight = request.catch(() => undefined);
    const response = await request;
    this.syncs.push(response);
    return response;
  }

  /** Stops the sync loop once its current long-poll has returned, so no request is cut off. */
  async stopAndSettle(): Promise<void> {
    this.stop();
    await this.inFlight;
  }
}

/** Resolves once `accept` holds for an event the bot emits (checked on every `room.event`). */
function botSees(bot: MatrixClient, accept: (roomId: string, event: RawEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const listener = (roomId: string, event: RawEvent) => {
      if (accept(roomId, event)) {
        bot.off('room.event', listener);
        resolve();
      }
    };
    bot.on('room.event', listener);
  });
}

describe('matrix-bot-sdk against the server', () => {
  let server: TestServer;
  let bot: RecordingBot | undefined;

  beforeAll(async () => {
    LogService.setLevel(LogLevel.ERROR);
    // It logs every non-2xx answer, such as the expected 404 for m.direct account data at start.
    LogService.muteModule('MatrixHttpClient');
    server = await startTestServer();
  });

  afterAll(async () => {
    await bot?.stopAndSettle();
    await server?.close();
  });

  it('handles each message once when the bot changes its display name and a per-room nick', async () => {
    const human = await TestClient.register(server.baseUrl);
    const account = await TestClient.register(server.baseUrl);
    const rooms = [await human.createRoom({ invite: [account.userId] }), await human.createRoom({ invite: [account.userId] })];
    for (const roomId of rooms) await account.join(roomId);

    bot = new RecordingBot(server.baseUrl, account.accessToken, new MemoryStorageProvider());
    // A short long-poll, so the loop stops soon after the test.
    bot.syncingTimeout = 2_000;
    const handled = new Map<string, number>();
    bot.on('room.message', (_roomId: string, event: RawEvent) => {
      if (event.sender === human.userId) handled.set(event.event_id, (handled.get(event.event_id) ?? 0) + 1);
    });
    await bot.start();

    const sent: string[] = [];
    const allHandled = (count: number) => botSees(bot!, () => handled.size >= count);
    let waiting = allHandled(4);
    for (const roomId of rooms) for (const body of ['one', 'two']) sent.push(await human.send(roomId, { msgtype: 'm.text', body }));
    await waiting;

    // A profile change rewrites the bot's m.room.member in every room; a per-room nick rewrites one.
    const renamed = Promise.all(
      rooms.map((roomId, index) =>
        botSees(
          bot!,
          (inRoom, event) =>
            inRoom === roomId &&
            event.type === 'm.room.member' &&
            event.state_key === account.userId &&
            event.content.displayname === (index === 0 ? 'Nick in the first room' : 'Renamed bot'),
        ),
      ),
    );
    await bot.setDisplayName('Renamed bot');
    await bot.sendStateEvent(rooms[0], 'm.room.member', account.userId, { membership: 'join', displayname: 'Nick in the first room' });
    await renamed;

    // One more message after the change, to see the loop carry on normally.
    waiting = allHandled(5);
    sent.push(await human.send(rooms[1], { msgtype: 'm.text', body: 'three' }));
    await waiting;

    expect([...handled.keys()].sort()).toEqual([...sent].sort());
    expect([...handled.values()]).toEqual(sent.map(() => 1));

    // What the server sent.
    expectMemberChangesDeliveredAlone(bot.syncs, rooms, account.userId);
  });
});
