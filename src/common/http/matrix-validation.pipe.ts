import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { MatrixError, type MatrixErrcode } from '../matrix-error.js';
import { ValidationPlan } from './validation-plan.js';

const REJECT_UNKNOWN_KEYS = Symbol('rejectUnknownKeys');

/** Marks a body DTO whose endpoint refuses keys it does not know (most Matrix bodies allow them). */
export function RejectUnknownKeys(): ClassDecorator {
  return (target) => Reflect.defineMetadata(REJECT_UNKNOWN_KEYS, true, target);
}

/** Constraint names that mean "the JSON has the wrong shape" rather than "a value is not allowed". */
const SHAPE_CONSTRAINTS = new Set([
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isObject',
  'isArray',
  'nestedValidation',
  'whitelistValidation',
]);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLeaf(error: ValidationError, path: string): { error: ValidationError; path: string } {
  const here = path ? `${path}.${error.property}` : error.property;
  if (!error.constraints && error.children?.length) return firstLeaf(error.children[0], here);
  return { error, path: here };
}

/**
 * Turns the first class-validator failure into the Matrix error a client expects. In a query
 * string every value is text, so a wrong one is an invalid parameter rather than bad JSON.
 */
export function toMatrixValidationError(errors: ValidationError[], source: 'body' | 'query' = 'body'): MatrixError {
  const { error, path } = firstLeaf(errors[0], '');
  // A value of the wrong type fails its range checks too; the wrong type is what to report.
  const failed = Object.entries(error.constraints ?? { invalid: 'is invalid' });
  const [constraint, message] = failed.find(([name]) => SHAPE_CONSTRAINTS.has(name)) ?? failed[0];
  const custom = error.contexts?.[constraint]?.errcode as MatrixErrcode | undefined;
  const errcode: MatrixErrcode = custom ?? (source === 'body' && SHAPE_CONSTRAINTS.has(constraint) ? 'M_BAD_JSON' : 'M_INVALID_PARAM');
  const text = constraint === 'whitelistValidation' ? `Unknown key '${path}'` : message.replace(error.property, path);
  return new MatrixError(400, errcode, text);
}

/**
 * Every query parameter this server reads takes one value; a repeated one arrives as an array,
 * which is refused rather than guessed at.
 */
function refuseRepeated(name: string, value: unknown): void {
  if (Array.isArray(value)) throw MatrixError.invalidParam(`Query parameter '${name}' may be given only once`);
}

/**
 * Validates request bodies and query strings against their DTO classes and answers with Matrix
 * errors. Bodies must be JSON objects; a body typed as a plain object (event content) is only
 * checked for that. Query parameters must each be given once.
 */
@Injectable()
export class MatrixValidationPipe implements PipeTransform {
  /** Per DTO class: whether it refuses unknown keys, and its plan (null: class-validator only). */
  private readonly classes = new Map<Function, { rejectUnknownKeys: boolean; plan: ValidationPlan | null }>();

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && metadata.data !== undefined) {
      // A named argument: a GraphQL argument (Nest gives them the body's param type), typed by the schema.
      return isPlainObject(value) ? this.validate(value, metadata.metatype) : value;
    }
    if (metadata.type === 'body') {
      // No body at all reads as {}; a body of JSON `null` is a body that is not an object.
      const body = value === undefined ? {} : value;
      if (!isPlainObject(body)) throw MatrixError.badJson('Request body must be a JSON object');
      return this.validate(body, metadata.metatype);
    }
    if (metadata.type === 'query') {
      if (metadata.data) {
        refuseRepeated(metadata.data, value);
        return value;
      }
      const query = (value ?? {}) as Record<string, unknown>;
      for (const [name, one] of Object.entries(query)) refuseRepeated(name, one);
      return this.validate(query, metadata.metatype, 'query');
    }
    return value;
  }

  private validate(plain: object, metatype: ArgumentMetadata['metatype'], source: 'body' | 'query' = 'body'): unknown {
    if (!metatype || [Object, String, Number, Boolean, Array].includes(metatype as never)) return plain;
    let known = this.classes.get(metatype);
    if (!known) {
      const rejectUnknownKeys = Reflect.getMetadata(REJECT_UNKNOWN_KEYS, metatype) === true;
      known = { rejectUnknownKeys, plan: ValidationPlan.compile(metatype as new () => object, rejectUnknownKeys) };
      this.classes.set(metatype, known);
    }
    const { rejectUnknownKeys, plan } = known;
    const checked = plan?.run(plain as Record<string, unknown>);
    if (checked) return checked;
    // No plan, or the body is refused: class-validator decides, and words the error.
    const instance = plainToInstance(metatype, plain) as object;
    const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: rejectUnknownKeys, forbidUnknownValues: false });
    if (errors.length > 0) throw toMatrixValidationError(errors, source);
    return instance;
  }
}
