import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** Accounts, rooms and the event stream: the homeserver core. */
export class InitialSchema1795360634905 implements MigrationInterface {
  name = 'InitialSchema1795360634905';

  async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, primary = false) => ({
      name,
      type: 'varchar',
      length: '255',
      isPrimary: primary,
    });

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id('user_id', true),
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'profile_room_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'created_ts', type: 'bigint' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'devices',
        columns: [
          id('user_id', true),
          id('device_id', true),
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'display_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'created_ts', type: 'bigint' },
        ],
        indices: [{ name: 'devices_token_hash', columnNames: ['token_hash'], isUnique: true }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'rooms',
        columns: [
          id('room_id', true),
          id('creator'),
          { name: 'room_type', type: 'varchar', length: '255', isNullable: true },
          { name: 'room_version', type: 'varchar', length: '32' },
          { name: 'is_public', type: 'boolean', default: false },
          { name: 'created_ts', type: 'bigint' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'room_aliases',
        columns: [id('alias', true), id('room_id'), id('creator')],
        indices: [{ name: 'room_aliases_room', columnNames: ['room_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          { name: 'stream_ordering', type: 'integer', isPrimary: true },
          id('event_id'),
          id('room_id'),
          id('type'),
          { name: 'state_key', type: 'varchar', length: '255', isNullable: true },
          id('sender'),
          { name: 'content', type: 'text' },
          { name: 'unsigned', type: 'text', isNullable: true },
          { name: 'origin_server_ts', type: 'bigint' },
          { name: 'device_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'txn_id', type: 'varchar', length: '255', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndices('events', [
      new TableIndex({ name: 'events_event_id', columnNames: ['event_id'], isUnique: true }),
      new TableIndex({ name: 'events_room_stream', columnNames: ['room_id', 'stream_ordering'] }),
      new TableIndex({
        name: 'events_room_state_key',
        columnNames: ['room_id', 'type', 'state_key', 'stream_ordering'],
      }),
      new TableIndex({
        name: 'events_txn',
        columnNames: ['sender', 'device_id', 'txn_id'],
        isUnique: true,
      }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'room_state',
        columns: [
          id('room_id', true),
          id('type', true),
          id('state_key', true),
          { name: 'stream_ordering', type: 'integer' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'room_memberships',
        columns: [
          id('room_id', true),
          id('user_id', true),
          { name: 'membership', type: 'varchar', length: '16' },
          { name: 'stream_ordering', type: 'integer' },
        ],
        indices: [{ name: 'room_memberships_user', columnNames: ['user_id', 'membership'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'filters',
        columns: [
          id('user_id', true),
          { name: 'filter_id', type: 'integer', isPrimary: true },
          { name: 'definition', type: 'text' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'account_data',
        columns: [
          id('user_id', true),
          id('room_id', true),
          id('type', true),
          { name: 'content', type: 'text' },
          { name: 'stream_id', type: 'integer' },
        ],
        indices: [{ name: 'account_data_user_stream', columnNames: ['user_id', 'stream_id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'account_data',
      'filters',
      'room_memberships',
      'room_state',
      'events',
      'room_aliases',
      'rooms',
      'devices',
      'users',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
