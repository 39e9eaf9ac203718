import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from '../../common/http/max-bytes.js';
import { MAX_STATUS_MSG_BYTES } from '../../presence/core/presence-model.js';
import { JsonScalar } from '../json.scalar.js';
import { PresenceStateValue } from './presence.model.js';

@ArgsType()
export class SetManualPresenceArgs {
  @Field(() => PresenceStateValue)
  @IsIn(Object.values(PresenceStateValue))
  state!: PresenceStateValue;

  @Field(() => String, { nullable: true, description: 'New status text; left unchanged when omitted, cleared by null or "".' })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(MAX_STATUS_MSG_BYTES)
  statusMsg?: string | null;
}

@ArgsType()
export class SetStatusArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(MAX_STATUS_MSG_BYTES)
  statusMsg?: string | null;
}

@ArgsType()
export class ReportDeviceActivityArgs {
  @Field(() => PresenceStateValue)
  @IsIn(Object.values(PresenceStateValue))
  state!: PresenceStateValue;

  @Field(() => ID, { nullable: true, description: "One of the viewer's devices; the current one when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  deviceId?: string | null;
}

@ArgsType()
export class SetProfileFieldArgs {
  @Field({ description: 'displayname, avatar_url, or any other field name.' })
  @IsString()
  @MaxLength(255)
  @Matches(/^[^\s]+$/, { message: 'field must be a name without white space' })
  field!: string;

  @Field(() => JsonScalar, { nullable: true, description: 'The value; null removes the field.' })
  @IsOptional()
  value?: unknown;
}
