import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

/**
 * Every room event, in one global stream order (the primary key), so sync tokens are plain
 * integers and cheap to compare.
 */
@Entity('events')
@Index('events_room_stream', ['roomId', 'streamOrdering'])
@Index('events_txn', ['sender', 'deviceId', 'txnId'], { unique: true, where: 'txn_id IS NOT NULL' })
export class EventEntity {
  @PrimaryColumn({ name: 'stream_ordering', type: 'integer' })
  streamOrdering!: number;

  @Index('events_event_id', { unique: true })
  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId!: string;

  @Column({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @Column({ type: 'varchar', length: 255 })
  type!: string;

  @Column({ name: 'state_key', type: 'varchar', length: 255, nullable: true })
  stateKey!: string | null;

  @Column({ type: 'varchar', length: 255 })
  sender!: string;

  @Column({ type: 'simple-json' })
  content!: Record<string, unknown>;

  /** Static unsigned data fixed at write time (prev_content, replaces_state). */
  @Column({ type: 'simple-json', nullable: true })
  unsigned!: Record<string, unknown> | null;

  @Column({ name: 'origin_server_ts', type: 'bigint', transformer: bigintTransformer })
  originServerTs!: number;

  /** The sending device and its transaction ID, for idempotent sends and unsigned.transaction_id. */
  @Column({ name: 'device_id', type: 'varchar', length: 255, nullable: true })
  deviceId!: string | null;

  @Column({ name: 'txn_id', type: 'varchar', length: 255, nullable: true })
  txnId!: string | null;
}
