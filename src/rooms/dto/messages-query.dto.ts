import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { OptionalKey } from '../../common/http/optional-key.js';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

/** GET /rooms/{roomId}/messages. */
export class MessagesQueryDto {
  @OptionalKey()
  @IsString()
  from?: string;

  @OptionalKey()
  @IsString()
  to?: string;

  @IsIn(['b', 'f'])
  dir!: 'b' | 'f';

  @OptionalKey()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  limit?: number;

  @OptionalKey()
  @IsString()
  filter?: string;
}
