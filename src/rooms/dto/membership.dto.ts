import { IsOptional, IsString } from 'class-validator';

/** POST /rooms/{roomId}/join, /join/{roomIdOrAlias}, /leave. */
export class MembershipReasonDto {
  @IsOptional()
  @IsString()
  reason?: string;
}

/** POST /rooms/{roomId}/invite, /kick, /ban, /unban. */
export class TargetUserDto {
  @IsString()
  user_id!: string;

  @IsOptional()
  @IsString()
  reason?: string;
}
