import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

/** POST /register. */
export class RegisterDto {
  @OptionalKey()
  @IsString()
  username?: string;

  @OptionalKey()
  @IsString()
  password?: string;

  /**
   * `null` counts as absent, as Synapse reads it: matrix-js-sdk's InteractiveAuth asks for the
   * flows with `doRequest(null)`, and `client.register` sends that as `"auth": null`.
   */
  @IsOptional()
  @IsObject()
  auth?: Record<string, unknown> | null;

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
