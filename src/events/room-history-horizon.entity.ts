import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far a room's history was purged: events at or below `purgedUpTo` may be gone. */
@Entity('room_history_horizons')
export class RoomHistoryHorizonEntity {
  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @Column({ name: 'purged_up_to', type: 'integer' })
  purgedUpTo!: number;
}
