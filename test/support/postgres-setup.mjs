// Jest's global set-up for `npm run test:pg`: names this run, so that every database its
// servers get is `<run>_<worker>_<n>` (test-database.ts), on TEST_DATABASE_URL's server.
import pg from 'pg';

export default async function setUp() {
  process.env.TEST_DATABASE = 'postgres';
  process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_DATABASE_RUN = `pr_test_${Date.now().toString(36)}_${process.pid}`;
  // Fails the run at once, naming the server, when PostgreSQL is not there.
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`npm run test:pg needs PostgreSQL at TEST_DATABASE_URL=${process.env.TEST_DATABASE_URL}: ${error.message || error.code}`);
  } finally {
    await client.end();
  }
}
