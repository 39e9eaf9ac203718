import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

/**
 * An MSC2753 peek. Starting and ending a peek each take a position in the peek stream (the
 * third part of a sync token), so /sync reports the new peek, and later its end, exactly once.
 */
@Entity('room_peeks')
@Index('room_peeks_user', ['userId', 'endedId'])
export class RoomPeekEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @Column({ name: 'started_id', type: 'integer' })
  startedId!: number;

  @Column({ name: 'ended_id', type: 'integer', nullable: true })
  endedId!: number | null;

  @Column({ name: 'expires_ts', type: 'bigint', transformer: bigintTransformer })
  expiresTs!: number;
}
