import { AccountDataEntity } from '../account-data/account-data.entity.js';
import { DeviceEntity } from '../accounts/device.entity.js';
import { UserEntity } from '../accounts/user.entity.js';
import { EventEntity } from '../events/event.entity.js';
import { RoomHistoryHorizonEntity } from '../events/room-history-horizon.entity.js';
import { RoomMembershipEntity } from '../events/room-membership.entity.js';
import { RoomStateEntity } from '../events/room-state.entity.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { LegacyUsageEntity } from '../legacy/legacy-usage.entity.js';
import { RoomPeekEntity } from '../peeking/room-peek.entity.js';
import { PresenceStateEntity } from '../presence/presence-state.entity.js';
import { FilterEntity } from '../sync/filter.entity.js';
import { ServerMetaEntity } from './server-meta.entity.js';

export const entities = [
  UserEntity,
  DeviceEntity,
  RoomEntity,
  RoomAliasEntity,
  EventEntity,
  RoomStateEntity,
  RoomMembershipEntity,
  RoomHistoryHorizonEntity,
  FilterEntity,
  AccountDataEntity,
  PresenceStateEntity,
  RoomPeekEntity,
  LegacyUsageEntity,
  ServerMetaEntity,
];
