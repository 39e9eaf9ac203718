import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';

/** POST /register. */
export class RegisterDto {
  @IsOptional()
  @IsString()
  username?: string;

  @IsOptional()
  @IsString()
  password?: string;

  @IsOptional()
  @IsObject()
  auth?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  device_id?: string;

  @IsOptional()
  @IsString()
  initial_device_display_name?: string;

  @IsOptional()
  @IsBoolean()
  inhibit_login?: boolean;

  @IsOptional()
  @IsBoolean()
  refresh_token?: boolean;
}
