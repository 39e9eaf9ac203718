import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createApp } from '../app.js';
import { loadAppConfig } from '../config/app-config.js';

/** The GraphQL schema as the code defines it, in SDL, types sorted (as committed in schema.gql). */
export async function generateSchema(): Promise<string> {
  const app = await createApp(loadAppConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'error' }));
  try {
    return printSchema(app.get(GraphQLSchemaHost).schema) + '\n';
  } finally {
    await app.close();
  }
}

// `npm run schema:generate` writes schema.gql; a test fails when the committed file is stale.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync('schema.gql', await generateSchema());
}
