import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Per-user presence inputs and what was last published, for the presence engine. */
export class PresenceState1795362507772 implements MigrationInterface {
  name = 'PresenceState1795362507772';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'presence_state',
        columns: [
          { name: 'user_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'manual', type: 'varchar', length: '16', isNullable: true },
          { name: 'appear_offline_since', type: 'bigint', isNullable: true },
          { name: 'appear_offline_last_active_ts', type: 'bigint', isNullable: true },
          { name: 'status_msg', type: 'text', isNullable: true },
          { name: 'last_active_ts', type: 'bigint' },
          { name: 'devices', type: 'text' },
          { name: 'published_presence', type: 'varchar', length: '16', isNullable: true },
          { name: 'published_currently_active', type: 'boolean', default: false },
          { name: 'published_status_msg', type: 'text', isNullable: true },
          { name: 'published_last_active_ts', type: 'bigint', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('presence_state');
  }
}
