import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { createComplexityRule, fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** Refuses operations nested deeper than `maxDepth` fields (fragments followed, introspection too). */
export function depthLimit(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          if (seen.has(name)) continue;
          deepest = Math.max(deepest, depthOf(fragments.get(name)?.selectionSet, new Set([...seen, name])));
        }
        if (deepest > maxDepth) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query is nested ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP' },
            }),
          );
        }
      },
    };
  };
}

/** GraphQL over HTTP answers queries and mutations; a subscription needs the WebSocket. */
export const noSubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== OperationTypeNode.SUBSCRIPTION) return;
    context.reportError(
      new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP', {
        nodes: [node],
        extensions: { code: 'BAD_REQUEST' },
      }),
    );
  },
});

/** Refuses operations whose estimated cost is over `maximum` (fields cost 1; lists declare theirs). */
export function complexityLimit(maximum: number, variables: Record<string, unknown> = {}): ValidationRule {
  return createComplexityRule({
    maximumComplexity: maximum,
    variables,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (max, actual) =>
      new GraphQLError(`Query complexity ${actual} is over the limit of ${max}`, { extensions: { code: 'QUERY_TOO_COMPLEX' } }),
  });
}

/**
 * The complexity check for an already validated document (GraphQL over HTTP runs it just before
 * execution, once the variables are known): throws a 400 error over the limit.
 */
export function assertComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, maximum: number): void {
  const complexity = getComplexity({ schema, query: document, variables: variables ?? {}, estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })] });
  if (complexity > maximum) {
    const error = new GraphQLError(`Query complexity ${complexity} is over the limit of ${maximum}`, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
    throw Object.assign(new Error(error.message), { statusCode: 400, errors: [error] });
  }
}

export function operationLimits(options: { maxDepth: number; maxComplexity: number; variables?: Record<string, unknown> }): ValidationRule[] {
  return [depthLimit(options.maxDepth), complexityLimit(options.maxComplexity, options.variables)];
}

