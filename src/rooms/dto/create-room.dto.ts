import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class InitialStateEventDto {
  @IsString()
  type!: string;

  @IsOptional()
  @IsString()
  state_key?: string;

  @IsObject()
  content!: Record<string, unknown>;
}

/** POST /createRoom. */
export class CreateRoomDto {
  @IsOptional()
  @IsIn(['public', 'private'])
  visibility?: 'public' | 'private';

  @IsOptional()
  @IsString()
  @MaxLength(200)
  room_alias_name?: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  topic?: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  invite?: string[];

  @IsOptional()
  @IsString()
  room_version?: string;

  @IsOptional()
  @IsObject()
  creation_content?: Record<string, unknown>;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InitialStateEventDto)
  initial_state?: InitialStateEventDto[];

  @IsOptional()
  @IsIn(['private_chat', 'public_chat', 'trusted_private_chat'])
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';

  @IsOptional()
  @IsBoolean()
  is_direct?: boolean;

  @IsOptional()
  @IsObject()
  power_level_content_override?: Record<string, unknown>;
}
