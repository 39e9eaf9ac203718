import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar } from '../json.scalar.js';

export enum ProfileVisibilityValue {
  PUBLIC = 'public',
  RESTRICTED = 'restricted',
}

registerEnumType(ProfileVisibilityValue, { name: 'ProfileVisibility', description: 'Who may peek a profile room.' });

@ObjectType({ description: 'A state event, as stored in a room.' })
export class StateEvent {
  @Field(() => ID)
  eventId!: string;

  @Field()
  type!: string;

  @Field()
  stateKey!: string;

  @Field()
  sender!: string;

  @Field(() => Float)
  originServerTs!: number;

  @Field(() => JsonScalar)
  content!: Record<string, unknown>;
}

@ObjectType({ description: "A user's profile room (MSC1769)." })
export class ProfileRoom {
  @Field(() => ID)
  roomId!: string;

  @Field(() => ID)
  userId!: string;

  @Field()
  alias!: string;

  @Field(() => ProfileVisibilityValue)
  privacy!: ProfileVisibilityValue;

  @Field(() => JsonScalar, { description: 'Profile fields by name, e.g. {"displayname": "Alice"}.' })
  fields!: Record<string, unknown>;
}

@ObjectType({ description: 'One new state event of a profile room, with the token to resume after it.' })
export class ProfileRoomEvent {
  @Field({ description: 'Pass as `since` when reconnecting to receive what came after this event.' })
  token!: string;

  @Field(() => StateEvent)
  event!: StateEvent;

  @Field({
    description:
      'True when `since` was older than the room\'s purge horizon (PRESENCE_HISTORY_RETENTION_MS): the history between was purged, and this event is part of the room\'s whole state at the horizon, replayed before everything after it. Every such event but the last carries the `since` given, so a resume in the middle replays them again.',
  })
  historyPurged!: boolean;
}
