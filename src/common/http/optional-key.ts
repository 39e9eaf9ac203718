import { ValidateIf } from 'class-validator';

/**
 * A body key the client may leave out; when it is present, its value is checked like any
 * other, so `null` where a string is expected is refused with M_BAD_JSON. class-validator's
 * `@IsOptional` also waves `null` through, which services typed `string | undefined` then meet.
 * GraphQL arguments keep `@IsOptional`: there, null is a value the schema allows.
 */
export function OptionalKey(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
