import { IsBoolean, IsObject, IsString } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

/** POST /login, with the `identifier` object or the older top-level `user`. */
export class LoginDto {
  @IsString()
  type!: string;

  @OptionalKey()
  @IsObject()
  identifier?: Record<string, unknown>;

  @OptionalKey()
  @IsString()
  user?: string;

  @OptionalKey()
  @IsString()
  password?: string;

  @OptionalKey()
  @IsString()
  device_id?: string;

  @OptionalKey()
  @IsString()
  initial_device_display_name?: string;

  @OptionalKey()
  @IsBoolean()
  refresh_token?: boolean;
}
