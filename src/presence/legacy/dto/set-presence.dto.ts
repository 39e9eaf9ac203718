import {
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { RejectUnknownKeys } from '../../../common/http/matrix-validation.pipe.js';
import { MAX_STATUS_MSG_BYTES } from '../../core/presence-model.js';


/** Presence values a client may send: the spec's, plus busy in both forms (MSC3026). */
export const ACCEPTED_PRESENCE_VALUES = ['online', 'unavailable', 'offline', 'busy', 'org.matrix.msc3026.busy'] as const;

@ValidatorConstraint({ name: 'maxBytes' })
class StatusMsgSize implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || Buffer.byteLength(value) <= MAX_STATUS_MSG_BYTES;
  }

  defaultMessage(): string {
    return `status_msg must be at most ${MAX_STATUS_MSG_BYTES} bytes`;
  }
}

/** PUT /presence/{userId}/status. Other keys are refused, as Synapse does. */
@RejectUnknownKeys()
export class SetPresenceDto {
  @IsDefined()
  @IsIn(ACCEPTED_PRESENCE_VALUES, { message: `presence must be one of ${ACCEPTED_PRESENCE_VALUES.join(', ')}` })
  presence!: (typeof ACCEPTED_PRESENCE_VALUES)[number];

  @IsOptional()
  @IsString()
  @Validate(StatusMsgSize)
  status_msg?: string;
}

/** POST /_matrix/client/unstable/org.matrix.msc3032/presence/activity. */
@RejectUnknownKeys()
export class DeviceActivityDto {
  @IsDefined()
  @IsIn(ACCEPTED_PRESENCE_VALUES, { message: `state must be one of ${ACCEPTED_PRESENCE_VALUES.join(', ')}` })
  state!: (typeof ACCEPTED_PRESENCE_VALUES)[number];
}
