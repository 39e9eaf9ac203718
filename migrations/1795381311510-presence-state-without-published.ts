import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * What was published is read back from each profile room's m.presence and m.status state, so
 * presence_state no longer keeps a copy. The copy had to be rewritten in the same commit as every
 * published event (one more random page each), or risk disagreeing with the room after a crash.
 */
export class PresenceStateWithoutPublished1795381311510 implements MigrationInterface {
  name = 'PresenceStateWithoutPublished1795381311510';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('presence_state', PUBLISHED_COLUMNS.map((column) => column.name));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The room keeps what was published; the first tick after a downgrade writes it again.
    await queryRunner.addColumns('presence_state', PUBLISHED_COLUMNS.map((column) => new TableColumn(column)));
  }
}

const PUBLISHED_COLUMNS = [
  { name: 'published_presence', type: 'varchar', length: '16', isNullable: true },
  { name: 'published_currently_active', type: 'boolean', default: false },
  { name: 'published_status_msg', type: 'text', isNullable: true },
  { name: 'published_last_active_ts', type: 'bigint', isNullable: true },
];
