import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** A literal's value; a variable inside one (`{a: $x}`) takes the variable's value, absent when unset. */
function literal(node: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value, variables)]));
    case Kind.LIST:
      return node.values.map((value) => literal(value, variables));
    case Kind.NULL:
      return null;
    case Kind.VARIABLE:
      return variables?.[node.name.value];
    default:
      throw new GraphQLError(`JSON cannot represent ${node.kind}`, { nodes: [node] });
  }
}

/** Any JSON value: event content and profile field values are free-form. */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (event content, profile field values).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literal,
});
