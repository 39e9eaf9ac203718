import { IsString } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

/** POST /rooms/{roomId}/join, /join/{roomIdOrAlias}, /leave. */
export class MembershipReasonDto {
  @OptionalKey()
  @IsString()
  reason?: string;
}

/** POST /rooms/{roomId}/invite, /kick, /ban, /unban. */
export class TargetUserDto {
  @IsString()
  user_id!: string;

  @OptionalKey()
  @IsString()
  reason?: string;
}
