import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * No query reads events by (room, type, state_key): current state lives in room_state, and the
 * reads of a room's history (state between two positions included) go by (room, position). The
 * index was one more random page to write for every event.
 */
export class DropEventsStateKeyIndex1795390301633 implements MigrationInterface {
  name = 'DropEventsStateKeyIndex1795390301633';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('events', 'events_room_state_key');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'events_room_state_key', columnNames: ['room_id', 'type', 'state_key', 'stream_ordering'] }),
    );
  }
}
