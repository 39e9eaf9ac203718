import { type ValidationArguments, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

/** Setting checks that class-validator has no decorator for. */

@ValidatorConstraint({ name: 'isHttpDate' })
export class IsHttpDate implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  }

  defaultMessage(): string {
    return 'must be a date, e.g. "Sat, 01 Jan 2028 00:00:00 GMT"';
  }
}

@ValidatorConstraint({ name: 'isNotAbove' })
export class IsNotAbove implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const other = (args.object as Record<string, unknown>)[args.constraints[0] as string];
    return typeof value !== 'number' || typeof other !== 'number' || value <= other;
  }

  defaultMessage(args: ValidationArguments): string {
    const bound = args.constraints[0] as string;
    return `must not exceed ${bound}=${String((args.object as Record<string, unknown>)[bound])} (raise that bound to allow it)`;
  }
}

@ValidatorConstraint({ name: 'isPostgresUrl' })
export class IsPostgresUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || !URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
  }

  defaultMessage(): string {
    return 'must be a PostgreSQL URL, postgres://user[:password]@host[:port]/database';
  }
}
