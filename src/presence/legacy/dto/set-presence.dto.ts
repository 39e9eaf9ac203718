import { IsDefined, IsIn, IsString } from 'class-validator';
import { OptionalKey } from '../../../common/http/optional-key.js';
import { MaxUtf8Bytes } from '../../../common/http/max-bytes.js';
import { RejectUnknownKeys } from '../../../common/http/matrix-validation.pipe.js';
import { MAX_STATUS_MSG_BYTES } from '../../core/presence-model.js';


/** Presence values a client may send: the spec's, plus busy in both forms (MSC3026). */
export const ACCEPTED_PRESENCE_VALUES = ['online', 'unavailable', 'offline', 'busy', 'org.matrix.msc3026.busy'] as const;

/** PUT /presence/{userId}/status. Other keys are refused, as Synapse does. */
@RejectUnknownKeys()
export class SetPresenceDto {
  @IsDefined()
  @IsIn(ACCEPTED_PRESENCE_VALUES, { message: `presence must be one of ${ACCEPTED_PRESENCE_VALUES.join(', ')}` })
  presence!: (typeof ACCEPTED_PRESENCE_VALUES)[number];

  @OptionalKey()
  @IsString()
  @MaxUtf8Bytes(MAX_STATUS_MSG_BYTES)
  status_msg?: string;
}

/** POST /_matrix/client/unstable/org.matrix.msc3032/presence/activity. */
@RejectUnknownKeys()
export class DeviceActivityDto {
  @IsDefined()
  @IsIn(ACCEPTED_PRESENCE_VALUES, { message: `state must be one of ${ACCEPTED_PRESENCE_VALUES.join(', ')}` })
  state!: (typeof ACCEPTED_PRESENCE_VALUES)[number];
}
