import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { MatrixError, type MatrixErrcode } from '../common/matrix-error.js';

/** GraphQL `extensions.code` for each Matrix errcode; the errcode itself rides along. */
const CODES: Partial<Record<MatrixErrcode, string>> = {
  M_FORBIDDEN: 'FORBIDDEN',
  M_NOT_FOUND: 'NOT_FOUND',
  M_MISSING_TOKEN: 'UNAUTHENTICATED',
  M_UNKNOWN_TOKEN: 'UNAUTHENTICATED',
  M_LIMIT_EXCEEDED: 'RATE_LIMITED',
  M_BAD_JSON: 'BAD_USER_INPUT',
  M_INVALID_PARAM: 'BAD_USER_INPUT',
  M_NOT_JSON: 'BAD_USER_INPUT',
  M_TOO_LARGE: 'BAD_USER_INPUT',
  M_BAD_STATE: 'BAD_USER_INPUT',
};

export function graphqlCode(error: MatrixError): string {
  return CODES[error.errcode] ?? 'INTERNAL_SERVER_ERROR';
}

export function toGraphQLError(error: MatrixError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: graphqlCode(error), errcode: error.errcode, ...error.extra },
  });
}

/** Formats any error of an execution: Matrix errors keep their meaning, the unexpected stay opaque. */
export function formatGraphQLError(error: GraphQLError): GraphQLFormattedError {
  const original = error.originalError;
  if (original instanceof MatrixError) {
    return { ...error.toJSON(), message: original.message, extensions: { ...error.extensions, code: graphqlCode(original), errcode: original.errcode, ...original.extra } };
  }
  if (original && !(original instanceof GraphQLError)) {
    return { message: 'Internal server error', locations: error.locations, path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  const formatted = error.toJSON();
  return { ...formatted, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...formatted.extensions } };
}

/**
 * A GraphQL-over-HTTP request that failed before execution (syntax, validation, limits, a GET
 * mutation): `{data: null, errors}` with the status Mercurius chose, 400 when it chose none.
 */
export function renderGraphqlHttpError(exception: unknown, reply: { status(code: number): { send(body: unknown): unknown } }): void {
  const failure = exception as { statusCode?: number; errors?: unknown[]; message?: string };
  const inner = Array.isArray(failure.errors) ? failure.errors : [exception];
  const errors = inner.map((error) => {
    if (error instanceof GraphQLError) return formatGraphQLError(error);
    if (error instanceof MatrixError) return formatGraphQLError(new GraphQLError(error.message, { originalError: error }));
    return formatGraphQLError(new GraphQLError((error as Error)?.message ?? 'Bad request'));
  });
  const status = typeof failure.statusCode === 'number' && failure.statusCode < 500 ? failure.statusCode : 400;
  reply.status(status).send({ data: null, errors });
}
