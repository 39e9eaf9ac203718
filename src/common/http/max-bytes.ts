import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A string no longer than `limit` bytes of UTF-8 (Matrix limits are in bytes, not characters). */
export function MaxUtf8Bytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value) <= limit,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be at most ${limit} bytes`,
      },
    },
    options,
  );
}
