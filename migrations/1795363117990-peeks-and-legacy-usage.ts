import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** MSC2753 peeks, counters of legacy presence calls, and the server's own facts. */
export class PeeksAndLegacyUsage1795363117990 implements MigrationInterface {
  name = 'PeeksAndLegacyUsage1795363117990';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'room_peeks',
        columns: [
          { name: 'user_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'room_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'started_id', type: 'integer' },
          { name: 'ended_id', type: 'integer', isNullable: true },
          { name: 'expires_ts', type: 'bigint' },
        ],
        indices: [{ name: 'room_peeks_user', columnNames: ['user_id', 'ended_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'legacy_usage',
        columns: [
          { name: 'surface', type: 'varchar', length: '32', isPrimary: true },
          { name: 'user_agent', type: 'varchar', length: '255', isPrimary: true },
          { name: 'calls', type: 'integer' },
          { name: 'first_called_ts', type: 'bigint' },
          { name: 'last_called_ts', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'server_meta',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('server_meta');
    await queryRunner.dropTable('legacy_usage');
    await queryRunner.dropTable('room_peeks');
  }
}
