import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { LoginDto } from '../../accounts/dto/login.dto.js';
import { RegisterDto } from '../../accounts/dto/register.dto.js';
import { ReportDeviceActivityArgs, SetManualPresenceArgs, SetProfileFieldArgs, SetStatusArgs } from '../../graphql/models/presence.args.js';
import { DeviceActivityDto, SetPresenceDto } from '../../presence/legacy/dto/set-presence.dto.js';
import { CreateRoomDto } from '../../rooms/dto/create-room.dto.js';
import { MembershipReasonDto, TargetUserDto } from '../../rooms/dto/membership.dto.js';
import { MessagesQueryDto } from '../../rooms/dto/messages-query.dto.js';
import { ValidationPlan } from './validation-plan.js';

type Constructor = new () => object;

/** Values of every JSON shape, plus the strings the DTOs accept. */
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'online',
  'unavailable',
  'offline',
  'busy',
  'org.matrix.msc3026.busy',
  'm.login.password',
  'has space',
  'x'.repeat(300),
  'é'.repeat(600),
  0,
  -1,
  1.5,
  true,
  false,
  {},
  { type: 'm.id.user', user: 'alice' },
  [],
  ['online'],
];

/** A small deterministic generator, so a failure names a body that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function bodiesFor(properties: string[], count: number): Array<Record<string, unknown>> {
  const next = random(properties.length * 7919 + count);
  const bodies: Array<Record<string, unknown>> = [{}];
  for (let n = 0; n < count; n++) {
    const body: Record<string, unknown> = {};
    for (const property of properties) {
      const pick = Math.floor(next() * (VALUES.length + 3));
      // Often absent, otherwise any value (undefined stays as a present key).
      if (pick < VALUES.length) body[property] = VALUES[pick];
    }
    if (next() < 0.2) body.unknown_key = 'x';
    bodies.push(body);
  }
  return bodies;
}

/** What the pipe did before plans: class-transformer, then class-validator with the pipe's options. */
function classic(metatype: Constructor, plain: object, rejectUnknownKeys: boolean): object | null {
  const instance = plainToInstance(metatype, plain) as object;
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: rejectUnknownKeys, forbidUnknownValues: false });
  return errors.length > 0 ? null : instance;
}

const FLAT: Array<[Constructor, string[]]> = [
  [SetPresenceDto, ['presence', 'status_msg']],
  [DeviceActivityDto, ['state']],
  [RegisterDto, ['username', 'password', 'auth', 'device_id', 'initial_device_display_name', 'inhibit_login', 'refresh_token']],
  [LoginDto, ['type', 'identifier', 'user', 'password', 'device_id', 'initial_device_display_name', 'refresh_token']],
  [MembershipReasonDto, ['reason']],
  [TargetUserDto, ['user_id', 'reason']],
  [SetManualPresenceArgs, ['state', 'statusMsg']],
  [SetStatusArgs, ['statusMsg']],
  [ReportDeviceActivityArgs, ['state', 'deviceId']],
  [SetProfileFieldArgs, ['field', 'value']],
];

describe(ValidationPlan.name, () => {
  describe.each(FLAT)('%p', (metatype, properties) => {
    it.each([false, true])('accepts and refuses exactly what class-validator does (unknown keys refused: %p)', (rejectUnknownKeys) => {
      const plan = ValidationPlan.compile(metatype, rejectUnknownKeys);
      expect(plan).not.toBeNull();
      let accepted = 0;
      let refused = 0;
      for (const body of bodiesFor(properties, 400)) {
        const copy = { ...body };
        const expected = classic(metatype, body, rejectUnknownKeys);
        const actual = plan!.run(body);
        expect({ body, valid: actual !== null }).toEqual({ body, valid: expected !== null });
        if (actual === null) {
          refused += 1;
          continue;
        }
        accepted += 1;
        expect(actual).toBeInstanceOf(metatype);
        expect({ ...actual }).toEqual({ ...expected });
        // The request's own object is left as it came.
        expect(body).toEqual(copy);
      }
      // Both answers occur, so the comparison above was not one-sided.
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  });

  it('leaves classes with nested DTOs or class-transformer decorators to class-validator', () => {
    expect(ValidationPlan.compile(CreateRoomDto, false)).toBeNull();
    expect(ValidationPlan.compile(MessagesQueryDto, false)).toBeNull();
  });

  it('drops keys no decorator names, or refuses them when the endpoint does', () => {
    expect({ ...ValidationPlan.compile(SetPresenceDto, false)!.run({ presence: 'online', extra: 1 }) }).toEqual({ presence: 'online', status_msg: undefined });
    expect(ValidationPlan.compile(SetPresenceDto, true)!.run({ presence: 'online', extra: 1 })).toBeNull();
  });
});
