import { Field, ID, ObjectType } from '@nestjs/graphql';
import { DevicePresence, Presence, PresenceStateValue } from './presence.model.js';

@ObjectType({ description: 'The authenticated user.' })
export class Me {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID, { description: 'The device of the access token in use.' })
  deviceId!: string;

  @Field(() => Presence, { description: 'Presence as the user sees it (the truth, even while appearing offline).' })
  presence!: Presence;

  @Field(() => PresenceStateValue, { nullable: true, description: 'The manual layer: BUSY or UNAVAILABLE, or null when automatic.' })
  manualPresence!: PresenceStateValue | null;

  @Field()
  appearOffline!: boolean;

  @Field(() => [DevicePresence], { description: "What each of the user's recently seen devices reported; see `live`." })
  devices!: DevicePresence[];
}
