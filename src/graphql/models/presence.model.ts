import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum PresenceStateValue {
  ONLINE = 'online',
  UNAVAILABLE = 'unavailable',
  BUSY = 'busy',
  OFFLINE = 'offline',
}

registerEnumType(PresenceStateValue, { name: 'PresenceState', description: 'Presence, with busy from MSC3026.' });

@ObjectType({ description: "A user's effective presence, as the viewer may see it." })
export class Presence {
  @Field(() => ID)
  userId!: string;

  @Field(() => PresenceStateValue)
  state!: PresenceStateValue;

  @Field(() => String, { nullable: true })
  statusMsg!: string | null;

  @Field(() => Float, { nullable: true, description: 'Milliseconds since the last proactive activity; null if never active.' })
  lastActiveAgo!: number | null;

  @Field(() => Float, { nullable: true, description: 'When the user was last active (ms since the epoch); null if never.' })
  lastActiveTs!: number | null;

  @Field()
  currentlyActive!: boolean;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { nullable: true })
  avatarUrl!: string | null;
}

@ObjectType({ description: "What one of the viewer's own devices last reported." })
export class DevicePresence {
  @Field(() => ID)
  deviceId!: string;

  @Field(() => PresenceStateValue, { description: 'The state the device last reported.' })
  state!: PresenceStateValue;

  @Field({ description: 'Whether the device counts now (a request within the sync timeout, or a busy report within the busy timeout).' })
  live!: boolean;

  @Field(() => Float)
  lastSeenTs!: number;

  @Field(() => Float, { nullable: true })
  lastActiveTs!: number | null;
}
