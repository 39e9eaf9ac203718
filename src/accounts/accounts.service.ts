import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { hashPassword, verifyPassword } from '../auth/password-hash.js';
import { SessionsService } from '../auth/sessions.service.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MatrixError } from '../common/matrix-error.js';
import { isValidLocalpart, parseUserId, userIdOf } from '../common/matrix-ids.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import type { LoginDto } from './dto/login.dto.js';
import type { RegisterDto } from './dto/register.dto.js';
import { UserEntity } from './user.entity.js';

const MAX_PASSWORD_BYTES = 512;
const REGISTRATION_FLOWS = { flows: [{ stages: ['m.login.dummy'] }], params: {} };

export interface LoginResult {
  user_id: string;
  access_token?: string;
  device_id?: string;
  home_server?: string;
}

/** Accounts: registration (with the user's profile room), password login, logout. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sessions: SessionsService,
    private readonly profileRooms: ProfileRoomService,
    private readonly store: EventStore,
    private readonly bus: DomainEventBus,
    private readonly config: AppConfig,
  ) {}

  async register(request: RegisterDto, kind: string | undefined): Promise<LoginResult> {
    if (kind === 'guest') throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled');
    if (kind !== undefined && kind !== 'user') throw MatrixError.invalidParam('kind must be "user" or "guest"');
    if (this.config.REGISTRATION === 'closed') throw MatrixError.forbidden('Registration has been disabled');
    const localpart = request.username === undefined ? this.generateLocalpart() : request.username.toLowerCase();
    await this.checkUsername(localpart);
    if (!request.auth) {
      throw new MatrixError(401, 'M_FORBIDDEN', 'Authentication required', {
        ...REGISTRATION_FLOWS,
        session: randomBytes(12).toString('base64url'),
      });
    }
    if (request.auth.type !== 'm.login.dummy') {
      throw new MatrixError(401, 'M_FORBIDDEN', `Unsupported authentication type ${JSON.stringify(request.auth.type)}`, {
        ...REGISTRATION_FLOWS,
      });
    }
    const password = this.checkPassword(request.password);
    const passwordHash = await hashPassword(password, this.config.PASSWORD_HASH_COST);
    const userId = userIdOf(localpart, this.config.SERVER_NAME);

    await this.store.write(async (tx) => {
      if (await tx.manager.findOneBy(UserEntity, { userId })) {
        throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken');
      }
      await tx.manager.insert(UserEntity, { userId, passwordHash, profileRoomId: null, createdTs: tx.now });
      const roomId = await this.profileRooms.createProfileRoom(tx, userId);
      await tx.manager.update(UserEntity, { userId }, { profileRoomId: roomId });
    });

    if (request.inhibit_login) return { user_id: userId };
    return this.signIn(userId, request.device_id, request.initial_device_display_name);
  }

  async isUsernameAvailable(username: string | undefined): Promise<{ available: true }> {
    if (username === undefined) throw MatrixError.badJson('username is required');
    await this.checkUsername(username.toLowerCase());
    return { available: true };
  }

  async login(request: LoginDto): Promise<LoginResult> {
    if (request.type !== 'm.login.password') {
      throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type ${JSON.stringify(request.type)}`);
    }
    const userId = this.loginUserId(request);
    if (typeof request.password !== 'string') throw MatrixError.badJson('password is required');
    const user = await this.users.findOneBy({ userId });
    if (!user || !(await verifyPassword(request.password, user.passwordHash))) {
      throw MatrixError.forbidden('Invalid username or password');
    }
    await this.profileRooms.ensureProfileRoom(userId);
    return this.signIn(userId, request.device_id, request.initial_device_display_name);
  }

  /** A new session; the device's sign-in is its first act (presence sets last_active_ts from it). */
  private async signIn(userId: string, deviceId: string | undefined, displayName: string | undefined): Promise<LoginResult> {
    const session = await this.sessions.createSession(userId, deviceId, displayName);
    // Its presence (last_active_ts, the first m.presence) is written before the answer.
    await this.bus.emitAndWait('device.signed-in', { userId, deviceId: session.deviceId });
    return {
      user_id: userId,
      access_token: session.accessToken,
      device_id: session.deviceId,
      home_server: this.config.SERVER_NAME,
    };
  }

  private loginUserId(request: LoginDto): string {
    let user: unknown = request.user;
    if (request.identifier) {
      if (request.identifier.type !== 'm.id.user') {
        throw new MatrixError(400, 'M_UNKNOWN', `Unsupported identifier type ${JSON.stringify(request.identifier.type)}`);
      }
      user = request.identifier.user;
    }
    if (typeof user !== 'string' || user.length === 0) throw MatrixError.badJson('identifier.user is required');
    if (!user.startsWith('@')) return userIdOf(user.toLowerCase(), this.config.SERVER_NAME);
    const parsed = parseUserId(user.toLowerCase());
    if (!parsed || parsed.serverName !== this.config.SERVER_NAME) throw MatrixError.forbidden('Invalid username or password');
    return userIdOf(parsed.localpart, parsed.serverName);
  }

  private async checkUsername(localpart: string): Promise<void> {
    if (!isValidLocalpart(localpart, this.config.SERVER_NAME) || localpart.startsWith('_')) {
      throw new MatrixError(
        400,
        'M_INVALID_USERNAME',
        'User ID may only contain a-z, 0-9, ".", "_", "=", "-", "/" and "+", and may not start with "_"',
      );
    }
    if (await this.users.existsBy({ userId: userIdOf(localpart, this.config.SERVER_NAME) })) {
      throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken');
    }
  }

  private checkPassword(password: string | undefined): string {
    if (password === undefined || password.length === 0) throw MatrixError.badJson('password is required');
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw MatrixError.invalidParam('password is too long');
    return password;
  }

  private generateLocalpart(): string {
    return `u${randomBytes(6).readUIntBE(0, 6).toString(36)}`;
  }
}
