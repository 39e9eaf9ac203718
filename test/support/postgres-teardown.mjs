// Jest's global teardown for `npm run test:pg`: drops every database of this run still there
// (a test that failed before its own clean-up, a server killed mid-test).
import pg from 'pg';

export default async function tearDown() {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const left = await client.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${process.env.TEST_DATABASE_RUN}_`]);
    for (const { datname } of left.rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
