import { IsBoolean, IsObject, IsString } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

/** POST /register. */
export class RegisterDto {
  @OptionalKey()
  @IsString()
  username?: string;

  @OptionalKey()
  @IsString()
  password?: string;

  @OptionalKey()
  @IsObject()
  auth?: Record<string, unknown>;

  @OptionalKey()
  @IsString()
  device_id?: string;

  @OptionalKey()
  @IsString()
  initial_device_display_name?: string;

  @OptionalKey()
  @IsBoolean()
  inhibit_login?: boolean;

  @OptionalKey()
  @IsBoolean()
  refresh_token?: boolean;
}
