import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The current state of each room: which event holds each (type, state_key). */
@Entity('room_state')
export class RoomStateEntity {
  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  type!: string;

  @PrimaryColumn({ name: 'state_key', type: 'varchar', length: 255 })
  stateKey!: string;

  @Column({ name: 'stream_ordering', type: 'integer' })
  streamOrdering!: number;
}
