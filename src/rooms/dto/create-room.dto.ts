import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

export class InitialStateEventDto {
  @IsString()
  type!: string;

  @OptionalKey()
  @IsString()
  state_key?: string;

  @IsObject()
  content!: Record<string, unknown>;
}

/** POST /createRoom. */
export class CreateRoomDto {
  @OptionalKey()
  @IsIn(['public', 'private'])
  visibility?: 'public' | 'private';

  @OptionalKey()
  @IsString()
  @MaxLength(200)
  room_alias_name?: string;

  @OptionalKey()
  @IsString()
  name?: string;

  @OptionalKey()
  @IsString()
  topic?: string;

  @OptionalKey()
  @IsArray()
  @IsString({ each: true })
  invite?: string[];

  @OptionalKey()
  @IsString()
  room_version?: string;

  @OptionalKey()
  @IsObject()
  creation_content?: Record<string, unknown>;

  @OptionalKey()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InitialStateEventDto)
  initial_state?: InitialStateEventDto[];

  @OptionalKey()
  @IsIn(['private_chat', 'public_chat', 'trusted_private_chat'])
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';

  @OptionalKey()
  @IsBoolean()
  is_direct?: boolean;

  @OptionalKey()
  @IsObject()
  power_level_content_override?: Record<string, unknown>;
}
