import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Per-user (room_id '') and per-room account data, with its own stream position for /sync. */
@Entity('account_data')
@Index('account_data_user_stream', ['userId', 'streamId'])
export class AccountDataEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  type!: string;

  @Column({ type: 'simple-json' })
  content!: Record<string, unknown>;

  @Column({ name: 'stream_id', type: 'integer' })
  streamId!: number;
}
