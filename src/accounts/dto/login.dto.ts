import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';

/** POST /login, with the `identifier` object or the older top-level `user`. */
export class LoginDto {
  @IsString()
  type!: string;

  @IsOptional()
  @IsObject()
  identifier?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  user?: string;

  @IsOptional()
  @IsString()
  password?: string;

  @IsOptional()
  @IsString()
  device_id?: string;

  @IsOptional()
  @IsString()
  initial_device_display_name?: string;

  @IsOptional()
  @IsBoolean()
  refresh_token?: boolean;
}
